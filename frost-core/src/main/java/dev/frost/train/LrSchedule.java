package dev.frost.train;

import dev.frost.FrostException;

import java.util.Arrays;
import java.util.Locale;

/** Learning rate as a factor of the base rate, by global step. Implementations are stateless. */
@FunctionalInterface
public interface LrSchedule {
    /** Factor applied to the base learning rate at {@code step} of {@code totalSteps} (0-based). */
    double factor(long step, long totalSteps);

    static LrSchedule constant() {
        return (s, t) -> 1.0;
    }

    /** Cosine decay from 1 to 0 over the run. */
    static LrSchedule cosine() {
        return (s, t) -> 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, s / (double) Math.max(1, t))));
    }

    /**
     * Hugging Face's {@code get_linear_schedule_with_warmup}: linear from 0 to 1 over the first {@code warmupFraction}
     * of the steps, then linear down to 0 at the last step (the transformer fine-tuning default).
     */
    static LrSchedule linearWarmup(double warmupFraction) {
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new FrostException("linear warm-up needs a warm-up fraction in [0, 1), got " + warmupFraction);
        }
        return (s, t) -> {
            long warmup = (long) (warmupFraction * t);
            if (s < warmup) {
                return s / (double) Math.max(1, warmup);
            }
            return Math.max(0.0, (t - s) / (double) Math.max(1, t - warmup));
        };
    }

    /**
     * Piecewise constant: {@code factors[0]} until step {@code int(at[0] * totalSteps)}, then {@code factors[1]} until
     * {@code int(at[1] * totalSteps)}, and so on (no warm-up).
     */
    static LrSchedule stepDecay(double[] at, double[] factors) {
        boolean ok = factors.length == at.length + 1
                && Arrays.stream(factors).allMatch(f -> f >= 0 && Double.isFinite(f));
        for (int i = 0; ok && i < at.length; i++) {
            ok = at[i] > 0 && at[i] < 1 && (i == 0 || at[i] > at[i - 1]);
        }
        if (!ok) {
            throw new FrostException("step decay needs increasing fractions in (0, 1) and one more finite, non-negative"
                    + " factor than fractions, got " + Arrays.toString(at) + " and " + Arrays.toString(factors));
        }
        double[] a = at.clone();
        double[] f = factors.clone();
        return (s, t) -> {
            int i = 0;
            while (i < a.length && s >= (long) (a[i] * t)) {
                i++;
            }
            return f[i];
        };
    }

    /**
     * The schedule of AutoFreeze's reference ({@code YuhanLiu11/AutoFreeze}, {@code optimization_lr.py}'s
     * {@code warmup_linear}, which despite its name has no warm-up): the full rate for the first 30% of the steps, 0.7
     * of it until 60%, then 0.4.
     */
    static LrSchedule autoFreezeSteps() {
        return stepDecay(new double[] {0.3, 0.6}, new double[] {1.0, 0.7, 0.4});
    }

    /** fastai's one-cycle with its defaults: {@code oneCycle(pctStart, 25, 1e5)}. */
    static LrSchedule oneCycle(double pctStart) {
        return oneCycle(pctStart, 25, 1e5);
    }

    /**
     * fastai's {@code fit_one_cycle}: cosine warm-up from {@code 1/div} to 1 over the first {@code pctStart} of the
     * call, then cosine annealing down to {@code 1/divFinal} (fastai's {@code lr_max/div_final}).
     */
    static LrSchedule oneCycle(double pctStart, double div, double divFinal) {
        if (!(pctStart > 0 && pctStart < 1) || !(div >= 1) || !(divFinal >= 1)) {
            throw new FrostException("one-cycle needs pctStart in (0, 1), div >= 1 and divFinal >= 1, got "
                    + pctStart + ", " + div + ", " + divFinal);
        }
        return (s, t) -> {
            double p = s / (double) Math.max(1, t);
            if (p < pctStart) {
                return cosineBetween(1 / div, 1.0, p / pctStart);
            }
            return cosineBetween(1.0, 1 / divFinal, (p - pctStart) / (1 - pctStart));
        };
    }

    /**
     * fastai's momentum cycle that goes with one-cycle: {@code high} to {@code low} while the rate warms up, back to
     * {@code high} while it anneals (returns the momentum itself, not a factor).
     */
    static LrSchedule momentumCycle(double pctStart, double high, double low) {
        return (s, t) -> {
            double p = s / (double) Math.max(1, t);
            if (p < pctStart) {
                return cosineBetween(high, low, p / pctStart);
            }
            return cosineBetween(low, high, (p - pctStart) / (1 - pctStart));
        };
    }

    private static double cosineBetween(double from, double to, double pct) {
        return to + (from - to) / 2 * (1 + Math.cos(Math.PI * Math.min(1.0, pct)));
    }

    /**
     * By name, as on the command line: constant, cosine, onecycle, linear (10% linear warm-up, linear decay), step
     * (AutoFreeze's reference: 1, 0.7 from 30%, 0.4 from 60%).
     */
    static LrSchedule named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "constant":
                return constant();
            case "cosine":
                return cosine();
            case "onecycle":
            case "one-cycle":
                return oneCycle(0.25);
            case "linear":
                return linearWarmup(0.1);
            case "step":
                return autoFreezeSteps();
            default:
                throw new FrostException("unknown learning-rate schedule '" + name + "': use constant, cosine, onecycle,"
                        + " linear or step");
        }
    }
}
