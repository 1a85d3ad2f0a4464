package dev.frost.io;

import dev.frost.FrostException;
import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;
import dev.frost.train.callbacks.Monitor;

import java.nio.file.Path;

/**
 * Keras's ModelCheckpoint through Frost's crash-safe checkpoint folder: a new version every {@code everySteps} steps
 * and/or at the end of each epoch whose monitored quantity improved (that one becomes {@code BEST}); the newest
 * {@code keepLast} versions and the best are kept. Resume with {@code Checkpoints.resume(dir, trainer)}. Give each
 * run its own folder: a folder is one run's history (a resumed run keeps comparing against the best found there, and
 * retention counts every version in it), so a new run in another run's folder would inherit that run's best.
 */
public final class ModelCheckpoint implements Callback {
    private final Path dir;
    private final Monitor monitor;
    private final int everySteps;
    private final int keepLast;
    private double best = Double.NaN;

    /**
     * @param monitor    e.g. {@code "valid_loss"}, or null to save every epoch without tracking a best
     * @param everySteps also save every this many steps (0: only at epoch ends)
     */
    public ModelCheckpoint(Path dir, String monitor, int everySteps, int keepLast) {
        if (everySteps < 0 || keepLast < 1) {
            throw new FrostException("model checkpoint needs everySteps >= 0 and keepLast >= 1, got " + everySteps
                    + " and " + keepLast);
        }
        this.dir = dir;
        this.monitor = monitor == null ? null : Monitor.of(monitor);
        this.everySteps = everySteps;
        this.keepLast = keepLast;
    }

    /** The best monitored value saved so far (NaN before the first). */
    public double best() {
        return best;
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        if (monitor != null && Double.isNaN(best)) {
            best = Checkpoints.bestValue(dir, monitor.name()); // a resumed run keeps comparing against its best
        }
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        if (everySteps > 0 && ctx.globalStep() % everySteps == 0) {
            Checkpoints.save(dir, ctx.trainer(), keepLast);
        }
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        if (monitor == null) {
            Checkpoints.save(dir, ctx.trainer(), keepLast);
            return;
        }
        double v = monitor.require(ctx);
        if (monitor.improves(v, best, 0)) {
            best = v;
            Checkpoints.saveBest(dir, ctx.trainer(), monitor.name(), v, keepLast);
        } else if (everySteps == 0) {
            Checkpoints.save(dir, ctx.trainer(), keepLast);
        }
    }
}
