package dev.frost.train.callbacks;

import dev.frost.FrostException;
import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;

/**
 * Keras's TerminateOnNaN, strict: the first step whose loss is not finite stops training with a one-line error
 * naming the step, so nothing after it (a checkpoint, an evaluation) runs on a diverged model.
 */
public final class TerminateOnNaN implements Callback {
    @Override
    public void afterStep(TrainingContext ctx) {
        double loss = ctx.lastLoss();
        if (!Double.isFinite(loss)) {
            throw new FrostException("training diverged: the loss is " + loss + " at step " + ctx.globalStep()
                    + " (epoch " + (ctx.epoch() + 1) + "); lower the learning rate or clip gradients");
        }
    }
}
