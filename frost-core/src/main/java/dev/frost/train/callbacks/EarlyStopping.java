package dev.frost.train.callbacks;

import dev.frost.FrostException;
import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras's EarlyStopping: ends the fit call when the monitored quantity has not improved by more than
 * {@code minDelta} for {@code patience} epochs. A later {@code fit} starts a new call.
 */
public final class EarlyStopping implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger(EarlyStopping.class);
    private final Monitor monitor;
    private final int patience;
    private final double minDelta;
    private double best;
    private int wait;
    private int stoppedEpoch = -1;

    public EarlyStopping(String monitor, int patience, double minDelta) {
        if (patience < 0 || !(minDelta >= 0)) {
            throw new FrostException("early stopping needs patience >= 0 and minDelta >= 0, got " + patience
                    + " and " + minDelta);
        }
        this.monitor = Monitor.of(monitor);
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** {@code valid_loss}, patience 3. */
    public EarlyStopping() {
        this("valid_loss", 3, 0);
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        best = Double.NaN;
        wait = 0;
        stoppedEpoch = -1;
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        double v = monitor.require(ctx);
        if (monitor.improves(v, best, minDelta)) {
            best = v;
            wait = 0;
        } else if (++wait > patience) {
            stoppedEpoch = ctx.history().get(ctx.history().size() - 1).epoch();
            LOG.info("early stopping at epoch {}: {} has not improved on {} for {} epochs", stoppedEpoch + 1,
                    monitor.name(), best, wait);
            ctx.stopFit();
        }
    }

    /** The epoch (0-based, over the run) after which the last fit stopped early, or -1. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    public double best() {
        return best;
    }
}
