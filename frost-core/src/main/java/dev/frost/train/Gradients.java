package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.frost.engine.Autograd;

import java.util.Collection;

/** Gradient arithmetic outside autograd: the global norm and clipping by it (PyTorch's clip_grad_norm_). */
public final class Gradients {
    private Gradients() {}

    /** Whether every parameter in the groups is finite (one reduction per parameter, no copy to the host). */
    public static boolean allFinite(java.util.List<dev.frost.freeze.optim.ParamGroup> groups) {
        return firstNonFinite(groups) == null;
    }

    /** The name of the first parameter in the groups holding a NaN or an infinity, or null when all are finite. */
    public static String firstNonFinite(java.util.List<dev.frost.freeze.optim.ParamGroup> groups) {
        java.util.Map<String, Parameter> all = new java.util.LinkedHashMap<>();
        groups.forEach(g -> all.putAll(g.parameters()));
        return firstNonFinite(all, false);
    }

    /**
     * The name of the first of {@code parameters} whose weights ({@code gradients} false) or gradients hold a NaN or
     * an infinity (their float sum is not finite), or null. A non-finite gradient under a finite loss means the
     * backward pass itself went wrong, which a check of the updated weights cannot tell.
     */
    public static String firstNonFinite(java.util.Map<String, Parameter> parameters, boolean gradients) {
        java.util.List<String> bad = nonFinite(parameters, gradients, true);
        return bad.isEmpty() ? null : bad.get(0);
    }

    /** Every one of {@code parameters} whose gradient holds a NaN or an infinity, in the map's order. */
    public static java.util.List<String> nonFiniteGradients(java.util.Map<String, Parameter> parameters) {
        return nonFinite(parameters, true, false);
    }

    private static java.util.List<String> nonFinite(java.util.Map<String, Parameter> parameters, boolean gradients,
                                                    boolean firstOnly) {
        java.util.List<String> bad = new java.util.ArrayList<>();
        Autograd.withoutRecording(() -> {
            for (var e : parameters.entrySet()) {
                NDArray weight = e.getValue().getArray();
                NDArray a = gradients ? weight.getGradient() : weight;
                try (NDArray sum = a.sum()) {
                    if (!Float.isFinite(sum.getFloat())) {
                        bad.add(e.getKey());
                        if (firstOnly) {
                            return null;
                        }
                    }
                } finally {
                    if (gradients) {
                        a.close();
                    }
                }
            }
            return null;
        });
        return bad;
    }

    /** The squared L2 norm of one parameter's gradient, in float64; call it with autograd not recording. */
    public static double squaredNorm(Parameter p) {
        // a gradient handle belongs to the model's manager: its square would live as long as the model
        try (NDManager one = p.getArray().getManager().newSubManager()) {
            NDArray g = p.getArray().getGradient();
            g.attach(one);
            return g.square().sum().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /**
     * The L2 norm of all the parameters' gradients together; when {@code maxNorm > 0} and the norm exceeds it, scales
     * every gradient in place by {@code maxNorm / (norm + 1e-6)}. Returns the norm before clipping.
     */
    public static double clipByGlobalNorm(Collection<Parameter> parameters, double maxNorm) {
        return Autograd.withoutRecording(() -> {
            double sq = 0;
            for (Parameter p : parameters) {
                sq += squaredNorm(p);
            }
            double norm = Math.sqrt(sq);
            if (maxNorm > 0 && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (Parameter p : parameters) {
                    NDArray g = p.getArray().getGradient();
                    g.muli(scale);
                    g.close();
                }
            }
            return norm;
        });
    }
}
