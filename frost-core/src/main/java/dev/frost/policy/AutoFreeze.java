package dev.frost.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.TrainingContext;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AutoFreeze (Liu et al. 2021). Every interval (default: total steps / 10) each still-trainable group ℓ has
 * {@code g_ℓ}, the L1 norm of its gradients summed over the interval's steps, and {@code r_ℓ = |g_prev - g| / g_prev}.
 * The threshold is the given percentile (default 50) of r over the trainable groups; every group before the first
 * group with {@code r ≥ threshold} is frozen. Only a leading run is frozen, never unfrozen, and the head (last group)
 * always trains. With the activation cache on, the cache follows the boundary as it moves deeper.
 */
public final class AutoFreeze implements FreezePolicy {
    private final double percentile;
    private final long fixedInterval;
    private double[] accumulated;
    private double[] previous;
    private long stepsInInterval;

    /** @param interval steps per decision, or 0 for total steps / 10 */
    public AutoFreeze(double percentile, long interval) {
        if (!(percentile >= 0 && percentile <= 100) || interval < 0) {
            throw new FrostException("AutoFreeze needs a percentile in [0, 100] and an interval >= 0, got "
                    + percentile + " and " + interval);
        }
        this.percentile = percentile;
        this.fixedInterval = interval;
    }

    /** The paper's defaults: 50th percentile, ten decisions per run. */
    public AutoFreeze() {
        this(50, 0);
    }

    @Override
    public String name() {
        return "autofreeze";
    }

    /**
     * The rule on one interval: groups {@code [frozen, candidates)} are trainable candidates (the head is not one).
     * Returns the new number of frozen leading groups.
     */
    public static int decide(double[] previous, double[] current, int frozen, int candidates, double percentile) {
        int n = candidates - frozen;
        if (n <= 0) {
            return frozen;
        }
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            double p = previous[frozen + i];
            r[i] = p == 0 ? Double.POSITIVE_INFINITY : Math.abs(p - current[frozen + i]) / p;
        }
        double threshold = percentileOf(r, percentile);
        for (int i = 0; i < n; i++) {
            if (r[i] >= threshold) {
                return frozen + i;
            }
        }
        return frozen;
    }

    /** Linear interpolation between order statistics (numpy's default); infinite values sort last. */
    static double percentileOf(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos);
        double frac = pos - lo;
        if (frac == 0) {
            return v[lo];
        }
        if (Double.isInfinite(v[lo + 1])) {
            return v[lo + 1];
        }
        return v[lo] + (v[lo + 1] - v[lo]) * frac;
    }

    private long interval(TrainingContext ctx) {
        return fixedInterval > 0 ? fixedInterval : Math.max(1, ctx.totalSteps() / 10);
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        int g = ctx.model().groups().size();
        if (accumulated == null || accumulated.length != g) {
            accumulated = new double[g];
        }
    }

    @Override
    public void afterBackward(TrainingContext ctx) {
        FrostModel m = ctx.model();
        try (NDManager tmp = m.manager().newSubManager()) {
            List<LayerGroup> groups = m.groups();
            for (int i = m.frozenGroupCount(); i < groups.size(); i++) {
                for (Layer l : groups.get(i).layers()) {
                    for (Parameter p : l.parametersRequiringGrad()) {
                        NDArray grad = p.getArray().getGradient();
                        grad.attach(tmp);
                        accumulated[i] += grad.abs().sum().getFloat();
                    }
                }
            }
        }
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        if (++stepsInInterval < interval(ctx)) {
            return;
        }
        FrostModel m = ctx.model();
        int g = m.groups().size();
        int frozen = m.frozenGroupCount();
        if (previous != null) {
            int next = decide(previous, accumulated, frozen, g - 1, percentile);
            PrefixFreezer.freezeAtLeast(m, next);
        }
        previous = accumulated.clone();
        Arrays.fill(accumulated, 0);
        stepsInInterval = 0;
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("accumulated", accumulated == null ? null : toList(accumulated));
        s.put("previous", previous == null ? null : toList(previous));
        s.put("stepsInInterval", stepsInInterval);
        return s;
    }

    @Override
    public void restore(Map<String, Object> s) {
        accumulated = fromList(s.get("accumulated"));
        previous = fromList(s.get("previous"));
        stepsInInterval = ((Number) s.get("stepsInInterval")).longValue();
    }

    private static List<Double> toList(double[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    private static double[] fromList(Object o) {
        if (o == null) {
            return null;
        }
        return ((List<?>) o).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }
}
