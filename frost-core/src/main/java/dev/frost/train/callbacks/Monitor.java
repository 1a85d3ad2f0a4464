package dev.frost.train.callbacks;

import dev.frost.FrostException;
import dev.frost.train.EpochRecord;

import java.util.Locale;

/**
 * A monitored quantity of an epoch ({@code "valid_loss"}, {@code "train_loss"}, {@code "valid_accuracy"},
 * {@code "train_<metric>"} ...) and whether lower is better (losses, errors) or higher (accuracy, F1).
 */
public record Monitor(String name, boolean lowerIsBetter) {
    /** By name, with the direction of the usual quantities: *loss, mae, rmse lower; everything else higher. */
    public static Monitor of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!n.startsWith("train_") && !n.startsWith("valid_")) {
            throw new FrostException("monitor '" + name + "' must start with train_ or valid_ (e.g. valid_loss)");
        }
        boolean lower = n.endsWith("loss") || n.endsWith("mae") || n.endsWith("rmse");
        return new Monitor(n, lower);
    }

    /** The value in an epoch's record; NaN when the record lacks it (no validation set, another metric). */
    public double value(EpochRecord r) {
        boolean valid = name.startsWith("valid_");
        String key = name.substring(6);
        if (key.equals("loss")) {
            return valid ? r.validLoss() : r.trainLoss();
        }
        return (valid ? r.validMetrics() : r.trainMetrics()).getOrDefault(key, Double.NaN);
    }

    /** Whether {@code candidate} improves on {@code best} by more than {@code minDelta}. */
    public boolean improves(double candidate, double best, double minDelta) {
        if (Double.isNaN(candidate)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return lowerIsBetter ? candidate < best - minDelta : candidate > best + minDelta;
    }
}
