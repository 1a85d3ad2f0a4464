package dev.frost.freeze.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.frost.engine.Autograd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The update rules against PyTorch's formulas computed by hand in Java doubles. */
class OptimizerMathTest {

    /** Runs a forward/backward on a one-layer model, returns (weight before, grad) and applies {@code opt} twice. */
    private static double[][] stepTwice(Optimizer opt) {
        try (FrostModel model = Models.mlp(3, new int[] {}, 2, 11)) {
            Parameter w = model.learnableParameters().get("out.weight");
            double[][] rec = new double[5][];
            rec[0] = toDouble(w.getArray().toFloatArray());
            for (int s = 0; s < 2; s++) {
                try (var m = model.manager().newSubManager()) {
                    NDArray x = m.create(new float[] {1f, -2f, 0.5f, 0.25f, 1f, -1f}, new Shape(2, 3));
                    model.applyFreezeState();
                    try (GradientCollector gc = Autograd.record()) {
                        gc.backward(model.forward(x, true, 0, 1).square().sum());
                    }
                    rec[1 + 2 * s] = toDouble(w.getArray().getGradient().toFloatArray());
                    opt.step(ParamGroup.of(model), 0.1);
                    rec[2 + 2 * s] = toDouble(w.getArray().toFloatArray());
                }
            }
            return rec;
        }
    }

    @Test
    void sgdNesterovWithWeightDecayMatchesPytorchRule() {
        double mu = 0.9;
        double wd = 0.01;
        double lr = 0.1;
        double[][] r = stepTwice(new Sgd(mu, true, wd));
        double[] p = r[0].clone();
        double[] buf = new double[p.length];
        for (int s = 0; s < 2; s++) {
            double[] g = r[1 + 2 * s];
            for (int i = 0; i < p.length; i++) {
                double d = g[i] + wd * p[i];
                buf[i] = s == 0 ? d : mu * buf[i] + d;
                p[i] -= lr * (d + mu * buf[i]);
            }
            assertArrayEquals(p, r[2 + 2 * s], 1e-5);
        }
    }

    @Test
    void adamWMatchesPytorchRule() {
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double wd = 0.05;
        double lr = 0.1;
        double[][] r = stepTwice(new AdamW(b1, b2, eps, wd));
        double[] p = r[0].clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        for (int s = 0; s < 2; s++) {
            double[] g = r[1 + 2 * s];
            int t = s + 1;
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
            assertArrayEquals(p, r[2 + 2 * s], 1e-5);
        }
    }

    @Test
    void groupMultipliersScaleTheLearningRate() {
        try (FrostModel model = Models.mlp(3, new int[] {2}, 2, 1)) {
            model.group("fc1").setLrMultiplier(0.0);
            model.applyFreezeState();
            Map<String, float[]> before = dev.frost.model.Snapshots.of(model);
            try (var m = model.manager().newSubManager(); Optimizer opt = new Sgd(0, false, 0)) {
                NDArray x = m.create(new float[] {1f, 2f, 3f}, new Shape(1, 3));
                try (GradientCollector gc = Autograd.record()) {
                    gc.backward(model.forward(x, true, 0, 3).sum());
                }
                opt.step(ParamGroup.of(model), 0.5);
            }
            var changed = dev.frost.model.Snapshots.changed(before, dev.frost.model.Snapshots.of(model));
            org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of("out.weight", "out.bias"), changed);
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

}
