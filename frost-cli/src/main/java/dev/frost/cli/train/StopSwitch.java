package dev.frost.cli.train;

import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pauses training at the next step boundary when asked (Ctrl-C's shutdown hook) or after a fixed number of steps
 * (tests); the driver then saves a resumable checkpoint. Shared by every phase of a run.
 */
public final class StopSwitch implements Callback {
    /** Makes the run's switch (the command keeps it, to flip from a shutdown hook). */
    public interface Factory {
        StopSwitch create(long stopAfterSteps);
    }

    private final AtomicBoolean requested = new AtomicBoolean();
    private final long stopAfterSteps;
    private long steps;
    private volatile boolean fired;

    /** @param stopAfterSteps stop after this many steps in this process (0: only when requested) */
    public StopSwitch(long stopAfterSteps) {
        this.stopAfterSteps = stopAfterSteps;
    }

    /** Asks for a stop at the next step boundary (any thread). */
    public void request() {
        requested.set(true);
    }

    /** Whether the last fit ended because of this switch. */
    boolean fired() {
        return fired;
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        steps++;
        if (requested.get() || stopAfterSteps > 0 && steps >= stopAfterSteps) {
            fired = true;
            ctx.requestStop();
        }
    }
}
