package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.HostBatch;
import dev.frost.loss.Loss;
import dev.frost.engine.Autograd;
import dev.frost.model.FrostModel;

import java.util.Arrays;
import java.util.Set;

/**
 * Times what a step would cost with nothing frozen, so a run can report time saved as a measurement. It runs
 * forward and backward with every parameter requiring a gradient, in inference mode so that no BatchNorm statistic
 * moves, applies no update, zeroes the gradients and restores the freeze state exactly.
 */
final class FullStepProbe {
    private FullStepProbe() {}

    static double measureSeconds(FrostModel model, Dataset data, Loss loss, int batch, int repeats) {
        Set<String> saved = model.frozenPaths();
        boolean trainBn = model.isTrainBn();
        int n = Math.min(batch, data.size());
        double[] times = new double[repeats];
        try {
            model.unfreeze();
            model.applyFreezeState();
            int[] first = java.util.Arrays.copyOf(EpochOrder.of(data.size(), 0, 0, false), n);
            for (int r = 0; r < repeats; r++) {
                try (NDManager m = model.manager().newSubManager()) {
                    var b = HostBatch.read(data, first, null, 0).toEngine(m);
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Autograd.record()) {
                        NDArray out = model.forward(b.features(), b.sideInputs(), false, 0, model.layers().size());
                        gc.backward(loss.compute(out, b.labels()));
                    }
                    times[r] = (System.nanoTime() - t0) / 1e9;
                }
                for (Parameter p : model.learnableParameters().values()) {
                    Autograd.zeroGrad(p.getArray());
                }
            }
        } finally {
            model.setFrozenPaths(saved);
            model.setTrainBn(trainBn);
            model.applyFreezeState();
        }
        Arrays.sort(times);
        return times[repeats / 2];
    }
}
