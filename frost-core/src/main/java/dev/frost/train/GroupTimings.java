package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.frost.data.Batch;
import dev.frost.engine.Autograd;
import dev.frost.loss.Loss;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.util.Arrays;
import java.util.Map;

/**
 * Where a training step's time goes, per group, measured rather than estimated from FLOPs. For each group k the
 * probe times a step that starts at k (its input computed beforehand without autograd): {@code T_k} = forward and
 * backward of groups k..end. {@code T_k - T_{k+1}} is what freezing group k (on top of a frozen 0..k-1) saves per
 * step without the cache; the group's own forward time, measured apart, is what the cache saves on top.
 *
 * <p>As {@link FullStepProbe}: every parameter is replaced, for the probe only, by a copy that requires a gradient,
 * so the gradients land on copies that are freed afterwards; no weight, gradient, optimizer state or BatchNorm
 * statistic changes (inference mode), and the freeze state is untouched.
 *
 * @param groups           group names, in model order
 * @param forwardSeconds   per group, forward without autograd (median over repeats)
 * @param backwardSeconds  per group, {@code T_k - T_{k+1} - forward_k}: the backward work freezing it removes
 *                         (clamped at 0 against timing noise)
 * @param stepSeconds      {@code T_0}: a full forward and backward
 */
public record GroupTimings(String[] groups, double[] forwardSeconds, double[] backwardSeconds, double stepSeconds) {

    /** Seconds per step that freezing group {@code k} saves: backward, plus forward once the cache serves it. */
    public double saving(int k, boolean cached) {
        return backwardSeconds[k] + (cached ? forwardSeconds[k] : 0);
    }

    /** Measures on {@code batch} (features at the model's input), median of {@code repeats} per quantity. */
    public static GroupTimings measure(FrostModel model, Batch batch, Loss loss, int repeats) {
        return Autograd.exclusiveStep(() -> run(model, batch, loss, Math.max(1, repeats)));
    }

    private static GroupTimings run(FrostModel model, Batch batch, Loss loss, int repeats) {
        int g = model.groups().size();
        int[] from = new int[g + 1];
        for (int k = 0; k < g; k++) {
            LayerGroup group = model.groups().get(k);
            from[k] = model.indexOf(group.layers().get(0));
        }
        from[g] = model.layers().size();
        String[] names = model.groups().stream().map(LayerGroup::name).toArray(String[]::new);
        double[] fwd = new double[g];
        double[] tail = new double[g + 1];
        try (NDManager m = model.manager().newSubManager()) {
            ParameterStore store = ProbeParameters.copying(model, m, p -> true);
            Map<String, NDArray> side = batch.sideInputs();
            NDArray[] inputs = new NDArray[g + 1];
            inputs[0] = batch.features();
            for (int k = 0; k < g; k++) {
                double[] t = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    final NDArray in = inputs[k];
                    final int a = from[k];
                    final int b = from[k + 1];
                    long t0 = System.nanoTime();
                    NDArray out = Autograd.withoutRecording(() -> model.forward(store, in, side, false, a, b));
                    t[r] = (System.nanoTime() - t0) / 1e9;
                    if (r == repeats - 1) {
                        out.attach(m);
                        inputs[k + 1] = out;
                    } else {
                        out.close();
                    }
                }
                fwd[k] = median(t);
            }
            for (int k = g - 1; k >= 0; k--) {
                double[] t = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    try (NDManager step = m.newSubManager()) {
                        long t0 = System.nanoTime();
                        try (GradientCollector gc = Autograd.record()) {
                            NDArray out = model.forward(store, inputs[k], side, false, from[k], from[g]);
                            gc.backward(loss.compute(out, batch.labels()));
                        }
                        t[r] = (System.nanoTime() - t0) / 1e9;
                    }
                }
                tail[k] = median(t);
            }
        }
        double[] bwd = new double[g];
        for (int k = 0; k < g; k++) {
            bwd[k] = Math.max(0, tail[k] - tail[k + 1] - fwd[k]);
        }
        return new GroupTimings(names, fwd, bwd, tail[0]);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
