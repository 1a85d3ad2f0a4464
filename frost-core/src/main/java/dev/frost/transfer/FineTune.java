package dev.frost.transfer;

import dev.frost.FrostException;
import dev.frost.data.Dataset;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.DiscriminativeLr;
import dev.frost.model.FrostModel;
import dev.frost.policy.GradualUnfreezing;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.LrSchedule;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.util.ArrayList;
import java.util.List;

/**
 * One-call training of a transferred model, after fastai:
 * <ul>
 *   <li>{@link #featureExtraction}: base frozen, head trained (one cycle);</li>
 *   <li>{@link #fineTune}: {@code freezeEpochs} with the base frozen, then the base rate halves, everything is
 *       unfrozen and trained for {@code epochs} with rates spread geometrically from {@code baseLr/lrMult} (first
 *       group) to {@code baseLr} (last group);</li>
 *   <li>{@link #gradualUnfreezing}: ULMFiT, one more group per stage, rates divided by 2.6 per group below.</li>
 * </ul>
 */
public final class FineTune {
    /** The phases of a run, in order. */
    public record Result(List<FitResult> phases) {
        /** All phases as one run, for totals of time and FLOPs. */
        public FitResult total() {
            return FitResult.concat(phases);
        }
    }

    private FineTune() {}

    /**
     * Settings shared by the one-call methods. Immutable; {@code callbacks} join every phase; {@code cache} (null
     * for none) serves the frozen prefix from the activation cache (results are the same, bit for bit).
     */
    public record Settings(int batchSize, double weightDecay, long seed, double lrMult, boolean progressBar,
                           List<Callback> callbacks, CacheConfig cache, boolean measureFullStep) {
        public Settings {
            callbacks = List.copyOf(callbacks);
        }

        /** Batch 64, weight decay 0.01, seed 42, lrMult 100 (fastai), progress bar on a terminal, no timing probe. */
        public static Settings defaults() {
            return new Settings(64, 0.01, 42, 100, true, List.of(), CacheConfig.defaults(), false);
        }

        public Settings withSeed(long s) {
            return new Settings(batchSize, weightDecay, s, lrMult, progressBar, callbacks, cache, measureFullStep);
        }

        public Settings withBatchSize(int b) {
            return new Settings(b, weightDecay, seed, lrMult, progressBar, callbacks, cache, measureFullStep);
        }

        public Settings withProgressBar(boolean p) {
            return new Settings(batchSize, weightDecay, seed, lrMult, p, callbacks, cache, measureFullStep);
        }

        public Settings withLrMult(double m) {
            return new Settings(batchSize, weightDecay, seed, m, progressBar, callbacks, cache, measureFullStep);
        }

        public Settings withCache(CacheConfig c) {
            return new Settings(batchSize, weightDecay, seed, lrMult, progressBar, callbacks, c, measureFullStep);
        }

        public Settings withCallbacks(Callback... extra) {
            return new Settings(batchSize, weightDecay, seed, lrMult, progressBar, List.of(extra), cache,
                    measureFullStep);
        }

        /** Times full steps so that the time freezing saved is measured (a few steps' cost). */
        public Settings withMeasuredFullStep(boolean measure) {
            return new Settings(batchSize, weightDecay, seed, lrMult, progressBar, callbacks, cache, measure);
        }
    }

    /** Base frozen (all groups but the last), head trained for {@code epochs} with one cycle peaking at {@code lr}. */
    public static Result featureExtraction(FrostModel model, Dataset train, Dataset valid, int epochs,
                                           double lr, Settings s) {
        model.freeze();
        DiscriminativeLr.uniform(model);
        return new Result(List.of(fitOneCycle(model, train, valid, epochs, lr, 0.25, s)));
    }

    /** fastai's {@code fine_tune(epochs, base_lr, freeze_epochs)}. */
    public static Result fineTune(FrostModel model, Dataset train, Dataset valid, int epochs,
                                  int freezeEpochs, double baseLr, Settings s) {
        if (epochs < 1 || freezeEpochs < 0) {
            throw new FrostException("fineTune needs epochs >= 1 and freezeEpochs >= 0, got " + epochs + " and "
                    + freezeEpochs);
        }
        List<FitResult> phases = new ArrayList<>();
        if (freezeEpochs > 0) {
            model.freeze();
            DiscriminativeLr.uniform(model);
            phases.add(fitOneCycle(model, train, valid, freezeEpochs, baseLr, 0.99, s));
        }
        double lr = baseLr / 2;
        model.unfreeze();
        DiscriminativeLr.spread(model, lr / s.lrMult(), lr);
        phases.add(fitOneCycle(model, train, valid, epochs, lr, 0.3, s.withSeed(s.seed() + 1)));
        return new Result(phases);
    }

    /** ULMFiT: one more group every {@code epochsPerStage} epochs, then all groups until {@code epochs}. */
    public static Result gradualUnfreezing(FrostModel model, Dataset train, Dataset valid, int epochs,
                                           int epochsPerStage, double lr, Settings s) {
        GradualUnfreezing policy = new GradualUnfreezing(epochsPerStage, 2.6);
        return new Result(List.of(fit(model, train, valid, epochs, lr, LrSchedule.oneCycle(0.25), s, policy)));
    }

    /** One cycle of {@code epochs}, optimizer state fresh for the phase (fastai clears it when freezing changes). */
    public static FitResult fitOneCycle(FrostModel model, Dataset train, Dataset valid, int epochs,
                                        double lr, double pctStart, Settings s) {
        return fit(model, train, valid, epochs, lr, LrSchedule.oneCycle(pctStart), s);
    }

    private static FitResult fit(FrostModel model, Dataset train, Dataset valid, int epochs, double lr,
                                 LrSchedule schedule, Settings s, Callback... callbacks) {
        TrainConfig cfg = TrainConfig.builder().setEpochs(epochs).optBatchSize(s.batchSize()).optLearningRate(lr)
                .optSchedule("onecycle", schedule).optSeed(s.seed()).optProgressBar(s.progressBar())
                .optCache(s.cache()).optMeasureFullStep(s.measureFullStep()).build();
        List<Callback> all = new ArrayList<>(List.of(callbacks));
        all.addAll(s.callbacks());
        try (AdamW opt = new AdamW(0.9, 0.99, 1e-5, s.weightDecay())) {
            return new Trainer(model, opt, cfg, all).fit(train, valid);
        }
    }
}
