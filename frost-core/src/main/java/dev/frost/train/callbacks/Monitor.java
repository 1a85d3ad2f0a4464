package dev.frost.train.callbacks;

import dev.frost.FrostException;
import dev.frost.train.EpochRecord;
import dev.frost.train.TrainingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A monitored quantity of an epoch ({@code "valid_loss"}, {@code "train_loss"}, {@code "valid_accuracy"},
 * {@code "train_<metric>"} ...) and whether lower is better (losses, errors) or higher (accuracy, F1).
 */
public record Monitor(String name, boolean lowerIsBetter) {
    /** By name, with the direction of the usual quantities: *loss, mae, rmse lower; everything else higher. */
    public static Monitor of(String name) {
        if (name == null) {
            throw new FrostException("monitor is null: name a quantity such as valid_loss");
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (!n.startsWith("train_") && !n.startsWith("valid_")) {
            throw new FrostException("monitor '" + name + "' must start with train_ or valid_ (e.g. valid_loss)");
        }
        boolean lower = n.endsWith("loss") || n.endsWith("mae") || n.endsWith("rmse");
        return new Monitor(n, lower);
    }

    /** What is monitored without its side: {@code loss}, or a metric's name. */
    public String quantity() {
        return name.substring(6);
    }

    /** The value in an epoch's record; NaN when the record lacks it (no validation set, another metric). */
    public double value(EpochRecord r) {
        boolean valid = name.startsWith("valid_");
        String key = quantity();
        if (key.equals("loss")) {
            return valid ? r.validLoss() : r.trainLoss();
        }
        return (valid ? r.validMetrics() : r.trainMetrics()).getOrDefault(key, Double.NaN);
    }

    /**
     * The value in the fit's last epoch record, refusing a quantity the fit does not record (a typo such as
     * {@code valid_acc}, or {@code valid_*} without validation data): its NaN would never improve, and a callback
     * watching it would stop the fit, or never keep a best checkpoint, without saying why.
     */
    public double require(TrainingContext ctx) {
        EpochRecord r = ctx.history().get(ctx.history().size() - 1);
        String key = quantity();
        boolean valid = name.startsWith("valid_");
        if (valid && !ctx.hasValidation()) {
            throw new FrostException("monitor '" + name + "' has no value: this fit has no validation data (give"
                    + " fit a validation set, or monitor train_" + key + ")");
        }
        Map<String, Double> recorded = valid ? r.validMetrics() : r.trainMetrics();
        if (!key.equals("loss") && !recorded.isEmpty() && !recorded.containsKey(key)) { // empty: a stopped epoch
            List<String> known = new ArrayList<>();
            for (String side : ctx.hasValidation() ? List.of("train_", "valid_") : List.of("train_")) {
                known.add(side + "loss");
                recorded.keySet().forEach(k -> known.add(side + k));
            }
            throw new FrostException("monitor '" + name + "' is not a quantity this fit records (it records "
                    + String.join(", ", known) + ")");
        }
        return value(r);
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
