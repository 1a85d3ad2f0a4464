package dev.frost.train;

import dev.frost.freeze.cache.ActivationCache;

import java.util.List;
import java.util.Locale;

/** The epochs of a finished (or stopped) run, and what freezing saved over all of them. */
public record FitResult(List<EpochRecord> epochs, boolean stoppedEarly, ActivationCache.Stats cache,
                        List<FreezeEvent> timeline, RunInfo info) {

    /**
     * A group's freeze state changed before global step {@code step}; {@code by} says who changed it: a policy's
     * name, "dashboard", or "user" (code outside the callbacks, a phase's setup, an older record without the field).
     */
    public record FreezeEvent(long step, int epoch, String group, boolean frozen, String by) {
        public FreezeEvent {
            by = by == null || by.isBlank() ? USER : by;
        }

        /** An event whose author is unknown: "user". */
        public FreezeEvent(long step, int epoch, String group, boolean frozen) {
            this(step, epoch, group, frozen, USER);
        }

        /** Who made a change that no callback made. */
        public static final String USER = "user";
    }

    /**
     * Several runs (phases of one method) as one: their epochs in order, cache counters added up, the peak memory
     * over the phases, the last phase's provenance.
     */
    public static FitResult concat(List<FitResult> phases) {
        List<EpochRecord> all = new java.util.ArrayList<>();
        phases.forEach(p -> all.addAll(p.epochs()));
        List<FreezeEvent> events = new java.util.ArrayList<>();
        phases.forEach(p -> events.addAll(p.timeline()));
        ActivationCache.Stats cache = null;
        RunInfo.Memory memory = null;
        for (FitResult p : phases) {
            if (p.cache() != null) {
                cache = cache == null ? p.cache() : cache.plus(p.cache());
            }
            if (p.info() != null && p.info().memory() != null) {
                memory = memory == null ? p.info().memory() : memory.combine(p.info().memory());
            }
        }
        RunInfo last = phases.isEmpty() ? null : phases.get(phases.size() - 1).info();
        RunInfo info = last == null ? null : new RunInfo(last.config(), last.optimizer(),
                last.optimizerHyperParameters(), last.loss(), last.metrics(), last.trainData(),
                last.trainFingerprint(), last.validData(), last.validFingerprint(), last.versions(), last.threads(),
                memory);
        return new FitResult(List.copyOf(all), phases.stream().anyMatch(FitResult::stoppedEarly), cache,
                List.copyOf(events), info);
    }

    /** Median training seconds of the epochs after the first (what a warm cache or warm JIT costs per epoch). */
    public double laterEpochMedianSeconds() {
        double[] t = epochs.stream().skip(1).mapToDouble(EpochRecord::trainSeconds).sorted().toArray();
        if (t.length == 0) {
            return Double.NaN;
        }
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    public EpochRecord last() {
        return epochs.get(epochs.size() - 1);
    }

    public double trainSeconds() {
        return epochs.stream().mapToDouble(EpochRecord::trainSeconds).sum();
    }

    public double fullTrainSecondsEstimate() {
        return epochs.stream().mapToDouble(EpochRecord::fullTrainSecondsEstimate).sum();
    }

    public long executedFlops() {
        return epochs.stream().mapToLong(EpochRecord::executedFlops).sum();
    }

    public long fullFlops() {
        return epochs.stream().mapToLong(EpochRecord::fullFlops).sum();
    }

    public long backwardFlops() {
        return epochs.stream().mapToLong(EpochRecord::backwardFlops).sum();
    }

    public long fullBackwardFlops() {
        return epochs.stream().mapToLong(EpochRecord::fullBackwardFlops).sum();
    }

    /** Fraction of full-training FLOPs that freezing avoided. */
    public double flopsSaved() {
        return fullFlops() == 0 ? 0 : 1 - executedFlops() / (double) fullFlops();
    }

    /** Fraction of (measured) full-training time that freezing avoided. */
    public double timeSaved() {
        double full = fullTrainSecondsEstimate();
        return full <= 0 ? 0 : 1 - trainSeconds() / full;
    }

    /** One line: "freezing saved X% of the work and Y% of the time". */
    public String savingsLine() {
        if (!epochs.isEmpty() && timeline.isEmpty() && epochs.stream().allMatch(e -> e.frozenGroups() == 0)) {
            return String.format(Locale.ROOT, "nothing was frozen: full training (%.2f GFLOP in %.1f s)",
                    executedFlops() / 1e9, trainSeconds());
        }
        if (Double.isNaN(fullTrainSecondsEstimate())) {
            return String.format(Locale.ROOT, "freezing saved %.1f%% of the work (%.2f of %.2f GFLOP executed) in"
                    + " %.1f s; the time saved was not measured (the full-step probe was off, or the run had too few"
                    + " steps for its 2%% budget)", 100 * flopsSaved(), executedFlops() / 1e9, fullFlops() / 1e9,
                    trainSeconds());
        }
        return String.format(Locale.ROOT,
                "freezing saved %.1f%% of the work (%.2f of %.2f GFLOP executed) and %.1f%% of the time "
                        + "(%.1f s vs %.1f s for full training, full step time measured)",
                100 * flopsSaved(), executedFlops() / 1e9, fullFlops() / 1e9, 100 * timeSaved(), trainSeconds(),
                fullTrainSecondsEstimate());
    }
}
