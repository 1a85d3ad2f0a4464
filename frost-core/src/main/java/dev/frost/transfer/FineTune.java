package dev.frost.transfer;

import dev.frost.FrostException;
import dev.frost.data.Dataset;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.DiscriminativeLr;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.policy.SavedMultipliers;
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
 *   <li>{@link #fineTune}: fastai's {@code fine_tune}: {@code freezeEpochs} with the base frozen (one cycle,
 *       {@code pct_start} 0.99), then the base rate halves, the base is unfrozen (all of it, or all but the first
 *       {@code keepFrozen} groups) and trained for {@code epochs} (one cycle, {@code pct_start} 0.3, {@code div} 5)
 *       with rates spread geometrically from {@code baseLr/lrMult} (first trained group) to {@code baseLr};</li>
 *   <li>{@link #gradualUnfreezing}: ULMFiT as fastai runs it, one more group per stage, one one-cycle (one fit call,
 *       fresh optimizer state) per stage, rates divided by 2.6 per group below.</li>
 * </ul>
 * Each phase cycles Adam's beta1 0.95 → 0.85 → 0.95 as fastai's {@code fit_one_cycle}, starts with fresh optimizer
 * state (fastai clears it when the frozen set changes), and the groups' learning-rate multipliers the caller had are
 * restored when the call returns. Where Frost keeps its own default: {@code lrMult} 3 (fastai: 100; measured better
 * on the digits demo) and BatchNorm in frozen groups in inference mode (fastai trains it: {@code train_bn}), which
 * lets the activation cache serve the frozen phase.
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
     * Settings of the one-call methods: a {@link TrainConfig} template (batch size, seed, cache, full-step timing,
     * progress, clipping, ...; its epochs, learning rate and schedule are set by each phase), the rate ratio between
     * the last and first trained group, AdamW's weight decay, and callbacks that join every phase. Immutable.
     */
    public record Settings(TrainConfig config, double lrMult, double weightDecay, List<Callback> callbacks) {
        public Settings {
            if (!(lrMult >= 1)) {
                throw new FrostException("lrMult must be >= 1, got " + lrMult);
            }
            if (!(weightDecay >= 0)) {
                throw new FrostException("weight decay must be >= 0, got " + weightDecay);
            }
            callbacks = List.copyOf(callbacks);
        }

        /**
         * The demo's settings: batch 32, seed 42, lrMult 3, weight decay 0.01, the activation cache on, progress bar
         * on a terminal, no full-step timing probe.
         */
        public static Settings defaults() {
            return new Settings(TrainConfig.builder().optBatchSize(32).optSeed(42).optCache(CacheConfig.defaults())
                    .build(), 3, 0.01, List.of());
        }

        public Settings withConfig(TrainConfig c) {
            return new Settings(c, lrMult, weightDecay, callbacks);
        }

        public Settings withSeed(long s) {
            return withConfig(config.toBuilder().optSeed(s).build());
        }

        public Settings withBatchSize(int b) {
            return withConfig(config.toBuilder().optBatchSize(b).build());
        }

        public Settings withProgressBar(boolean p) {
            return withConfig(config.toBuilder().optProgressBar(p).build());
        }

        public Settings withCache(CacheConfig c) {
            return withConfig(config.toBuilder().optCache(c).build());
        }

        /** Times full steps so that the time freezing saved is measured (a few steps' cost). */
        public Settings withMeasuredFullStep(boolean measure) {
            return withConfig(config.toBuilder().optMeasureFullStep(measure).build());
        }

        public Settings withLrMult(double m) {
            return new Settings(config, m, weightDecay, callbacks);
        }

        public Settings withWeightDecay(double wd) {
            return new Settings(config, lrMult, wd, callbacks);
        }

        public Settings withCallbacks(Callback... extra) {
            return new Settings(config, lrMult, weightDecay, List.of(extra));
        }

        long seed() {
            return config.seed();
        }
    }

    /** Base frozen (all groups but the last), head trained for {@code epochs} with one cycle peaking at {@code lr}. */
    public static Result featureExtraction(FrostModel model, Dataset train, Dataset valid, int epochs, double lr,
                                           Settings s) {
        return keepingMultipliers(model, () -> {
            model.freeze();
            DiscriminativeLr.uniform(model);
            return new Result(List.of(fitOneCycle(model, train, valid, epochs, lr, 0.25, 25, s)));
        });
    }

    /** fastai's {@code fine_tune(epochs, base_lr, freeze_epochs)}: the whole base is unfrozen after the frozen phase. */
    public static Result fineTune(FrostModel model, Dataset train, Dataset valid, int epochs, int freezeEpochs,
                                  double baseLr, Settings s) {
        return fineTune(model, train, valid, epochs, freezeEpochs, baseLr, 0, s);
    }

    /**
     * Partial fine-tuning: as {@link #fineTune(FrostModel, Dataset, Dataset, int, int, double, Settings)}, but the
     * first {@code keepFrozen} groups stay frozen in the second phase (their prefix can be served by the cache).
     */
    public static Result fineTune(FrostModel model, Dataset train, Dataset valid, int epochs, int freezeEpochs,
                                  double baseLr, int keepFrozen, Settings s) {
        int groups = model.groups().size();
        if (epochs < 1 || freezeEpochs < 0) {
            throw new FrostException("fineTune needs epochs >= 1 and freezeEpochs >= 0, got " + epochs + " and "
                    + freezeEpochs);
        }
        if (keepFrozen < 0 || keepFrozen >= groups) {
            throw new FrostException("keepFrozen must be in 0.." + (groups - 1) + " (the model has " + groups
                    + " groups), got " + keepFrozen);
        }
        return keepingMultipliers(model, () -> {
            List<FitResult> phases = new ArrayList<>();
            if (freezeEpochs > 0) {
                model.freeze();
                DiscriminativeLr.uniform(model);
                phases.add(fitOneCycle(model, train, valid, freezeEpochs, baseLr, 0.99, 25, s));
            }
            double lr = baseLr / 2;
            model.freezeTo(keepFrozen);
            DiscriminativeLr.spread(model, keepFrozen, lr / s.lrMult(), lr);
            phases.add(fitOneCycle(model, train, valid, epochs, lr, 0.3, 5, s.withSeed(s.seed() + 1)));
            return new Result(phases);
        });
    }

    /**
     * ULMFiT's gradual unfreezing as fastai runs it: stage k trains the top {@code k + 1} groups with its own one-cycle
     * of {@code epochsPerStage} epochs (fastai: {@code freeze_to(-(k+1)); fit_one_cycle(epochsPerStage, slice(lr /
     * 2.6^(n-1), lr))}), each stage a fit call of its own with fresh optimizer state (fastai's {@code freeze_to}
     * clears it); once every group is trainable, the last stage trains them all for the epochs left. Rates fall by
     * 2.6 per group below the top. Stage k shuffles with seed {@code seed + k}. If {@code epochs} runs out first, the
     * lower groups are never unfrozen. Named difference: fastai's ULMFiT tutorial also lowers the peak rate from
     * stage to stage (2e-2, 1e-2, 5e-3, 1e-3); here every stage peaks at {@code lr} unless the per-stage rates are
     * given ({@link #gradualUnfreezing(FrostModel, Dataset, Dataset, int, int, double[], Settings)}).
     */
    public static Result gradualUnfreezing(FrostModel model, Dataset train, Dataset valid, int epochs,
                                           int epochsPerStage, double lr, Settings s) {
        return gradualUnfreezing(model, train, valid, epochs, epochsPerStage, new double[] {lr}, s);
    }

    /**
     * As {@link #gradualUnfreezing(FrostModel, Dataset, Dataset, int, int, double, Settings)}, with stage k peaking at
     * {@code stageLrs[min(k, stageLrs.length - 1)]}.
     */
    public static Result gradualUnfreezing(FrostModel model, Dataset train, Dataset valid, int epochs,
                                           int epochsPerStage, double[] stageLrs, Settings s) {
        if (epochs < 1 || epochsPerStage < 1) {
            throw new FrostException("gradualUnfreezing needs epochs >= 1 and epochsPerStage >= 1, got " + epochs
                    + " and " + epochsPerStage);
        }
        if (stageLrs.length == 0) {
            throw new FrostException("gradualUnfreezing needs at least one learning rate");
        }
        int groups = model.groups().size();
        return keepingMultipliers(model, () -> {
            List<FitResult> phases = new ArrayList<>();
            int done = 0;
            for (int stage = 0; done < epochs; stage++) {
                int trainable = Math.min(groups, stage + 1);
                int stageEpochs = trainable < groups ? Math.min(epochsPerStage, epochs - done) : epochs - done;
                model.freezeTo(groups - trainable);
                DiscriminativeLr.decay(model, ULMFIT_FACTOR);
                double lr = stageLrs[Math.min(stage, stageLrs.length - 1)];
                phases.add(fitOneCycle(model, train, valid, stageEpochs, lr, 0.25, 25, s.withSeed(s.seed() + stage)));
                done += stageEpochs;
            }
            return new Result(phases);
        });
    }

    /** ULMFiT's ratio between the rates of neighbouring groups. */
    public static final double ULMFIT_FACTOR = 2.6;

    /**
     * One cycle of {@code epochs} (fastai's {@code fit_one_cycle} with {@code div}), optimizer state fresh for the
     * phase.
     */
    public static FitResult fitOneCycle(FrostModel model, Dataset train, Dataset valid, int epochs, double lr,
                                        double pctStart, double div, Settings s) {
        return fit(model, train, valid, epochs, lr, pctStart, div, s);
    }

    private static FitResult fit(FrostModel model, Dataset train, Dataset valid, int epochs, double lr,
                                 double pctStart, double div, Settings s, Callback... callbacks) {
        TrainConfig cfg = s.config().toBuilder().setEpochs(epochs).optLearningRate(lr)
                .optSchedule("onecycle", LrSchedule.oneCycle(pctStart, div, 1e5))
                .optMomentumSchedule(LrSchedule.momentumCycle(pctStart, 0.95, 0.85)).build();
        List<Callback> all = new ArrayList<>(List.of(callbacks));
        all.addAll(s.callbacks());
        try (AdamW opt = new AdamW(0.9, 0.99, 1e-5, s.weightDecay())) {
            return new Trainer(model, opt, cfg, all).fit(train, valid);
        }
    }

    private static Result keepingMultipliers(FrostModel model, java.util.function.Supplier<Result> body) {
        SavedMultipliers saved = SavedMultipliers.of(model);
        try {
            return body.get();
        } finally {
            saved.restore(model);
        }
    }
}
