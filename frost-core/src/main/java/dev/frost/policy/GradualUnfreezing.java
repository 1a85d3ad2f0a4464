package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.freeze.optim.DiscriminativeLr;
import dev.frost.model.FrostModel;
import dev.frost.train.TrainingContext;

/**
 * ULMFiT's gradual unfreezing inside one fit call: training starts with only the last group trainable, and every
 * {@code epochsPerStage} epochs one more group is unfrozen, top down. Learning rates fall by {@code factor} (2.6 in
 * ULMFiT) per group below the top. When a stage unfreezes a group the optimizer state is dropped, as fastai's
 * {@code freeze_to} does ({@code opt.clear_state()}), so the new stage starts with fresh state everywhere.
 *
 * <p>Named difference: fastai (and ULMFiT as fastai teaches it: {@code freeze_to(-2); fit_one_cycle(1, ...)},
 * {@code freeze_to(-3); fit_one_cycle(1, ...)}, ...) runs one one-cycle per stage; this policy lives inside one fit
 * call, so the call's schedule spans all stages and later stages see only its tail.
 * {@link dev.frost.transfer.FineTune#gradualUnfreezing} is the exact recipe: one fit call per stage.
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
        apply(ctx, ctx.epochInFit());
    }

    @Override
    public void beforeEpoch(TrainingContext ctx) {
        apply(ctx, ctx.epochInFit());
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

    private void apply(TrainingContext ctx, int epoch) {
        FrostModel model = ctx.model();
        int g = model.groups().size();
        int target = g - trainableGroups(g, epoch);
        if (model.frozenGroupCount() != target) {
            model.freezeTo(target);
            ctx.optimizer().clearState();
        }
    }
}
