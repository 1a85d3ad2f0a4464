package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.train.TrainingContext;

/**
 * Composer's layer freezing: from {@code freezeStart} (a fraction of training) the frozen fraction of the groups
 * rises linearly, reaching {@code freezeLevel} at the end. Applied at every step; frozen groups stay frozen.
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

    /** Groups frozen at {@code step} of {@code total}, for {@code groups} groups. */
    public int frozenGroups(long step, long total, int groups) {
        double progress = step / (double) Math.max(1, total);
        if (progress < freezeStart) {
            return 0;
        }
        double fraction = freezeLevel * (progress - freezeStart) / (1 - freezeStart);
        return (int) Math.floor(fraction * groups);
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        int g = ctx.model().groups().size();
        PrefixFreezer.freezeAtLeast(ctx.model(), frozenGroups(ctx.stepInFit(), ctx.totalSteps(), g));
    }
}
