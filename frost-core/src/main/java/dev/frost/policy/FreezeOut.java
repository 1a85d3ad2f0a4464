package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.TrainingContext;

import java.util.Locale;

/**
 * FreezeOut (Brock et al. 2017; {@code ajbrock/FreezeOut}, {@code densenet.py}/{@code WRN.py}/{@code vgg.py}
 * {@code update_lr}, {@code utils.py} {@code scale_fn}): group i of L+1 (the last is the head, which shares index L
 * with the reference's final BatchNorm and classifier) has its own cosine-annealed learning rate that reaches zero at
 * iteration {@code max_j = t_i · T}; {@code t_i = s(t0 + (1 - t0) · i / L)} with s linear, squared or cubic
 * ({@code t_0 = 0.8} is the pre-cubed value), and the head ({@code t = 1}) anneals to the end of training and is never
 * frozen. Before iteration j (0-based) a group with {@code j > max_j} is frozen (its parameters leave the optimizer);
 * otherwise its rate is {@code 0.5 · (lr / t_i) · (1 + cos(π j / max_j))} ("scaled", the default), or
 * {@code 0.5 · lr · (1 + cos(π j / max_j))} ("unscaled"); at {@code j = max_j} the rate is exactly 0 and the group
 * is frozen from the next iteration on, as in the reference. Use it with the constant schedule; it sets the
 * per-group rates itself.
 *
 * <p>Named difference: the reference takes {@code T = epochs · 1000}, assuming 1000 iterations per epoch (CIFAR's
 * 50,000 images in batches of 50). Its default run holds 5,000 images out for validation, so it has 900 iterations
 * per epoch and every group with {@code t_i > 0.9} never reaches its freezing point (nor its rate zero). Frost's T is
 * the fit call's real number of optimizer steps, so each group freezes at the fraction {@code t_i} of the run the
 * paper describes; {@link #withAssumedStepsPerEpoch(long)} reproduces the reference's {@code T} (1000) exactly.
 * The reference's {@code const_time} (more epochs to spend the saved time) is not provided.
 */
public final class FreezeOut implements FreezePolicy {
    /** The shape of the freezing times. */
    public enum Scale { LINEAR, SQUARED, CUBIC }

    private final double t0;
    private final Scale scale;
    private final boolean scaled;
    private final long assumedStepsPerEpoch;

    public FreezeOut(double t0, Scale scale, boolean scaled) {
        this(t0, scale, scaled, 0);
    }

    private FreezeOut(double t0, Scale scale, boolean scaled, long assumedStepsPerEpoch) {
        if (!(t0 > 0 && t0 <= 1)) {
            throw new FrostException("FreezeOut t0 must be in (0, 1], got " + t0);
        }
        if (assumedStepsPerEpoch < 0) {
            throw new FrostException("FreezeOut's assumed steps per epoch must be >= 0, got " + assumedStepsPerEpoch);
        }
        this.t0 = t0;
        this.scale = scale;
        this.scaled = scaled;
        this.assumedStepsPerEpoch = assumedStepsPerEpoch;
    }

    /**
     * The same policy with {@code T = epochs · stepsPerEpoch} instead of the real step count (the reference code
     * assumes 1000); 0 goes back to the real count.
     */
    public FreezeOut withAssumedStepsPerEpoch(long stepsPerEpoch) {
        return new FreezeOut(t0, scale, scaled, stepsPerEpoch);
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

    /** The iteration at which group {@code i}'s rate reaches zero: the reference's {@code max_j = T · t_i}. */
    public double maxIteration(int i, int groups, long total) {
        return total * freezeTime(i, groups);
    }

    /** Whether group {@code i} is frozen before iteration {@code step} (0-based) of {@code total}: {@code j > max_j}. */
    public boolean isFrozen(int i, int groups, long step, long total) {
        return i < groups - 1 && step > maxIteration(i, groups, total);
    }

    /** Learning-rate factor of group {@code i} at {@code step} of {@code total}: 0 at {@code max_j} and after. */
    public double lrFactor(int i, int groups, long step, long total) {
        double ti = freezeTime(i, groups);
        double maxJ = maxIteration(i, groups, total);
        if (step >= maxJ) {
            return 0.0;
        }
        double f = 0.5 * (1 + Math.cos(Math.PI * step / maxJ));
        return scaled ? f / ti : f;
    }

    /** T for this fit call: the real number of steps, or epochs times the assumed steps per epoch. */
    long horizon(TrainingContext ctx) {
        if (assumedStepsPerEpoch == 0) {
            return Math.max(1, ctx.totalSteps());
        }
        long epochs = ctx.totalSteps() / Math.max(1, ctx.stepsPerEpoch());
        return epochs * assumedStepsPerEpoch;
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
        long total = horizon(ctx);
        for (int i = 0; i < g; i++) {
            LayerGroup group = m.groups().get(i);
            if (isFrozen(i, g, ctx.stepInFit(), total)) {
                group.freeze();
            } else if (!group.isFrozen()) {
                group.setLrMultiplier(lrFactor(i, g, ctx.stepInFit(), total));
            }
        }
    }
}
