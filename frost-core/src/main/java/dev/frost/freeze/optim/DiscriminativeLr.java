package dev.frost.freeze.optim;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;

/**
 * Per-group learning-rate multipliers: fastai's {@code slice(lo, hi)} spreads rates geometrically from the first
 * group to the last; ULMFiT divides by a constant factor per group going down.
 */
public final class DiscriminativeLr {
    private DiscriminativeLr() {}

    /** Multipliers so that with base rate {@code hi} the first group gets {@code lo} and the last {@code hi}. */
    public static void spread(FrostModel model, double lo, double hi) {
        if (!(lo > 0 && hi >= lo)) {
            throw new FrostException("learning-rate slice needs 0 < lo <= hi, got lo " + lo + ", hi " + hi);
        }
        int n = model.groups().size();
        for (int i = 0; i < n; i++) {
            double t = n == 1 ? 1.0 : i / (double) (n - 1);
            model.groups().get(i).setLrMultiplier(Math.pow(lo / hi, 1 - t));
        }
    }

    /** The last group gets 1, each group below it {@code 1/factor} of the one above (ULMFiT: 2.6). */
    public static void decay(FrostModel model, double factor) {
        if (!(factor >= 1)) {
            throw new FrostException("per-group learning-rate factor must be >= 1, got " + factor);
        }
        int n = model.groups().size();
        for (int i = 0; i < n; i++) {
            model.groups().get(i).setLrMultiplier(Math.pow(factor, -(n - 1 - i)));
        }
    }

    /** Like {@link #spread}, over groups {@code [from, n)} only (the ones being trained); the rest keep theirs. */
    public static void spread(FrostModel model, int from, double lo, double hi) {
        if (!(lo > 0 && hi >= lo)) {
            throw new FrostException("learning-rate slice needs 0 < lo <= hi, got lo " + lo + ", hi " + hi);
        }
        int n = model.groups().size() - from;
        for (int i = 0; i < n; i++) {
            double t = n == 1 ? 1.0 : i / (double) (n - 1);
            model.groups().get(from + i).setLrMultiplier(Math.pow(lo / hi, 1 - t));
        }
    }

    /** Every group at the base rate. */
    public static void uniform(FrostModel model) {
        model.groups().forEach(g -> g.setLrMultiplier(1.0));
    }
}
