package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.freeze.optim.DiscriminativeLr;
import dev.frost.model.FrostModel;
import dev.frost.train.TrainingContext;

/**
 * ULMFiT's gradual unfreezing: training starts with only the last group trainable, and every
 * {@code epochsPerStage} epochs one more group is unfrozen, top down. Learning rates fall by {@code factor} (2.6 in
 * ULMFiT) per group below the top.
 */
public final class GradualUnfreezing implements FreezePolicy {
    private final int epochsPerStage;
    private final double factor;

    public GradualUnfreezing(int epochsPerStage, double factor) {
        if (epochsPerStage < 1) {
            throw new FrostException("gradual unfreezing needs at least 1 epoch per stage, got " + epochsPerStage);
        }
        this.epochsPerStage = epochsPerStage;
        this.factor = factor;
    }

    /** ULMFiT's defaults: one group per epoch, rates divided by 2.6 per group. */
    public GradualUnfreezing() {
        this(1, 2.6);
    }

    @Override
    public String name() {
        return "gradual-unfreezing";
    }

    /** The multipliers the user had before the fit, restored when it ends (the policy sets its own). */
    private SavedMultipliers userMultipliers;

    @Override
    public void beforeFit(TrainingContext ctx) {
        userMultipliers = SavedMultipliers.of(ctx.model());
        DiscriminativeLr.decay(ctx.model(), factor);
        apply(ctx.model(), ctx.epochInFit());
    }

    @Override
    public void beforeEpoch(TrainingContext ctx) {
        apply(ctx.model(), ctx.epochInFit());
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        if (userMultipliers != null) {
            userMultipliers.restore(ctx.model());
        }
    }

    /** Groups trainable in epoch {@code epoch}: 1 + epoch / epochsPerStage from the top. */
    public int trainableGroups(int groups, int epoch) {
        return Math.min(groups, 1 + epoch / epochsPerStage);
    }

    private void apply(FrostModel model, int epoch) {
        int g = model.groups().size();
        model.freezeTo(g - trainableGroups(g, epoch));
    }
}
