package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.HostBatch;
import dev.frost.engine.Autograd;
import dev.frost.loss.Loss;
import dev.frost.model.FrostModel;

import java.util.Arrays;

/**
 * Times what a step would cost with nothing frozen, so a run can report time saved as a measurement. Frozen
 * parameters are replaced, for the probe only, by copies that require a gradient: the backward pass does all the work
 * of full training, but the gradients land on the copies, which are freed afterwards, so no frozen parameter gets a
 * gradient buffer and the freeze state is never touched. Inference mode keeps BatchNorm statistics still; no update is
 * applied and the trainable parameters' gradients are zeroed.
 */
final class FullStepProbe {
    private FullStepProbe() {}

    static double measureSeconds(FrostModel model, Dataset data, Loss loss, int batch, int repeats) {
        return Autograd.exclusiveStep(() -> measure(model, data, loss, batch, repeats));
    }

    private static double measure(FrostModel model, Dataset data, Loss loss, int batch, int repeats) {
        int n = Math.min(batch, data.size());
        int[] first = Arrays.copyOf(EpochOrder.of(data.size(), 0, 0, false), n);
        double[] times = new double[repeats];
        model.applyFreezeState();
        try (NDManager m = model.manager().newSubManager()) {
            // frozen parameters get gradient-carrying copies: the backward does full training's work
            ParameterStore store = ProbeParameters.copying(model, m, p -> !p.requiresGradient());
            var b = HostBatch.read(data, first, null, 0).toEngine(m);
            for (int r = 0; r < repeats; r++) {
                try (NDManager step = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Autograd.record()) {
                        NDArray out = model.forward(store, b.features(), b.sideInputs(), false, 0,
                                model.layers().size());
                        gc.backward(loss.compute(out, b.labels()));
                    }
                    times[r] = (System.nanoTime() - t0) / 1e9;
                }
                for (Parameter p : model.learnableParameters().values()) {
                    if (p.requiresGradient()) {
                        Autograd.zeroGrad(p.getArray());
                    }
                }
            }
        }
        Arrays.sort(times);
        return times[repeats / 2];
    }
}
