package dev.frost.train;

/**
 * Hooks at the boundaries of the loop, in this order: beforeFit, (beforeEpoch, (beforeStep, (beforeForward,
 * afterLoss) per micro-batch, afterBackward, afterStep)*, afterEpoch)*, afterFit. Freeze state, learning-rate
 * multipliers and the trainBn switch may be changed in any of them; the next step picks the change up without
 * rebuilding anything.
 */
public interface Callback {
    default void beforeFit(TrainingContext ctx) {}

    default void beforeEpoch(TrainingContext ctx) {}

    default void beforeStep(TrainingContext ctx) {}

    /**
     * The batch is on the engine ({@link TrainingContext#batch()}); a callback may replace it
     * ({@link TrainingContext#setBatch}), e.g. for mixup.
     */
    default void beforeForward(TrainingContext ctx) {}

    /** Outputs and loss are computed; a callback may replace the loss ({@link TrainingContext#setLoss}). */
    default void afterLoss(TrainingContext ctx) {}

    /** After the backward pass, before the optimizer consumes the gradients (they are readable here). */
    default void afterBackward(TrainingContext ctx) {}

    default void afterStep(TrainingContext ctx) {}

    default void afterEpoch(TrainingContext ctx) {}

    default void afterFit(TrainingContext ctx) {}

    /**
     * Who this callback is in the freeze timeline ({@link FitResult.FreezeEvent#by}) when it freezes or unfreezes a
     * group; a policy answers its name.
     */
    default String freezeSource() {
        return FitResult.FreezeEvent.USER;
    }
}
