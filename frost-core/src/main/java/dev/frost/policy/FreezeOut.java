package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.TrainingContext;

import java.util.Locale;

/**
 * FreezeOut (Brock et al. 2017): group i of L+1 (the last is the head) has its own cosine-annealed learning rate that
 * reaches zero at {@code t_i · T}, when the group is frozen; {@code t_i = s(t0 + (1 - t0) · i / L)} with s linear,
 * squared or cubic, and the head ({@code i = L}) trains to the end. The "scaled" variant divides each group's initial
 * rate by {@code t_i} so that every group gets a similar total step. Iteration-based: T is the run's total number of
 * steps. Use it with the constant schedule; it sets the per-group rates itself.
 */
public final class FreezeOut implements FreezePolicy {
    /** The shape of the freezing times. */
    public enum Scale { LINEAR, SQUARED, CUBIC }

    private final double t0;
    private final Scale scale;
    private final boolean scaled;

    public FreezeOut(double t0, Scale scale, boolean scaled) {
        if (!(t0 > 0 && t0 <= 1)) {
            throw new FrostException("FreezeOut t0 must be in (0, 1], got " + t0);
        }
        this.t0 = t0;
        this.scale = scale;
        this.scaled = scaled;
    }

    /** The paper's default: t0 = 0.8 (before cubing), cubic, scaled. */
    public static FreezeOut defaults() {
        return new FreezeOut(0.8, Scale.CUBIC, true);
    }

    @Override
    public String name() {
        return "freezeout-" + scale.name().toLowerCase(Locale.ROOT) + (scaled ? "-scaled" : "-unscaled");
    }

    /** {@code t_i} for group {@code i} of {@code groups}; the last group (the head) gets 1. */
    public double freezeTime(int i, int groups) {
        int last = groups - 1;
        if (i >= last || last == 0) {
            return 1.0;
        }
        double x = t0 + (1 - t0) * i / last;
        switch (scale) {
            case LINEAR:
                return x;
            case SQUARED:
                return x * x;
            default:
                return x * x * x;
        }
    }

    /** Learning-rate factor of group {@code i} at {@code step} of {@code total}: 0 once the group is frozen. */
    public double lrFactor(int i, int groups, long step, long total) {
        double ti = freezeTime(i, groups);
        double p = step / (double) Math.max(1, total);
        if (p >= ti) {
            return 0.0;
        }
        double f = 0.5 * (1 + Math.cos(Math.PI * p / ti));
        return scaled ? f / ti : f;
    }

    /** The multipliers the user had before the run, restored when it ends (FreezeOut sets its own). */
    private SavedMultipliers userMultipliers;

    @Override
    public void beforeFit(TrainingContext ctx) {
        userMultipliers = SavedMultipliers.of(ctx.model());
        if (!"constant".equals(ctx.config().scheduleName())) {
            throw new FrostException("FreezeOut sets each group's learning rate itself: use the constant schedule"
                    + " (got '" + ctx.config().scheduleName() + "')");
        }
        apply(ctx);
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        apply(ctx);
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        if (userMultipliers != null) {
            userMultipliers.restore(ctx.model());
        }
    }

    private void apply(TrainingContext ctx) {
        FrostModel m = ctx.model();
        int g = m.groups().size();
        for (int i = 0; i < g; i++) {
            LayerGroup group = m.groups().get(i);
            double f = lrFactor(i, g, ctx.stepInFit(), ctx.totalSteps());
            if (f == 0.0 && i < g - 1) {
                group.freeze();
            } else if (!group.isFrozen()) {
                group.setLrMultiplier(f);
            }
        }
    }
}
