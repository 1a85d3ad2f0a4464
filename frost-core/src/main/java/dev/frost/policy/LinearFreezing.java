package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.train.TrainingContext;

/**
 * Composer's layer freezing ({@code mosaicml/composer}, {@code composer/algorithms/layer_freezing/layer_freezing.py}),
 * with Frost's groups as Composer's layers. At the end of every epoch, with {@code d} the fraction of training
 * elapsed (epochs done / epochs of the fit call), the frozen fraction is
 * {@code f = d <= freezeStart ? 0 : freezeLevel · (d - freezeStart) / (1 - freezeStart)} and the first
 * {@code int(f · (n - 1))} of the {@code n} groups are frozen: the last group (the head) is never counted nor frozen.
 * Frozen groups stay frozen; the decision of the last epoch's end stays on the model after the fit, as in Composer.
 *
 * <p>Named differences: Composer's layers are the leaf modules that hold parameters (each convolution, each
 * BatchNorm) and it excludes only the last of them; Frost counts groups and excludes the last group. An epoch cut
 * short by a stop request is not an epoch end: its decision is taken when the resumed fit finishes the epoch.
 * Composer warns that its checkpoints cannot resume layer freezing reliably; Frost's can (the frozen groups are in
 * the checkpoint and the rule is a function of the epoch).
 */
public final class LinearFreezing implements FreezePolicy {
    private final double freezeStart;
    private final double freezeLevel;

    public LinearFreezing(double freezeStart, double freezeLevel) {
        if (!(freezeStart >= 0 && freezeStart < 1 && freezeLevel >= 0 && freezeLevel <= 1)) {
            throw new FrostException("linear freezing needs freezeStart in [0, 1) and freezeLevel in [0, 1], got "
                    + freezeStart + " and " + freezeLevel);
        }
        this.freezeStart = freezeStart;
        this.freezeLevel = freezeLevel;
    }

    /** Composer's defaults: start at half of training, reach all groups. */
    public LinearFreezing() {
        this(0.5, 1.0);
    }

    @Override
    public String name() {
        return "linear";
    }

    /** Composer's {@code _freeze_schedule}: the fraction of layers frozen after {@code elapsed} of training. */
    public double frozenFraction(double elapsed) {
        if (elapsed <= freezeStart) {
            return 0.0;
        }
        double totalFreezingTime = 1.0 - freezeStart;
        double freezingTimeElapsed = elapsed - freezeStart;
        double freezingTimeElapsedFrac = freezingTimeElapsed / totalFreezingTime;
        return freezeLevel * freezingTimeElapsedFrac;
    }

    /** Groups frozen at the end of epoch {@code epochsDone} of {@code epochs}, for {@code groups} groups. */
    public int frozenGroups(int epochsDone, int epochs, int groups) {
        double elapsed = (double) epochsDone / (double) Math.max(1, epochs);
        return (int) (frozenFraction(elapsed) * (groups - 1));
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        if (ctx.stepInEpoch() != 0) {
            return; // stopped inside the epoch: not an epoch end (the resumed fit finishes it)
        }
        int epochs = (int) (ctx.totalSteps() / Math.max(1, ctx.stepsPerEpoch()));
        int g = ctx.model().groups().size();
        PrefixFreezer.freezeAtLeast(ctx.model(), frozenGroups(ctx.epochInFit(), epochs, g));
    }
}
