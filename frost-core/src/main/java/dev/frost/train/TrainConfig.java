package dev.frost.train;

import dev.frost.FrostException;
import dev.frost.data.Augmentation;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.loss.Loss;
import dev.frost.metric.Metric;

import java.util.List;

/** Immutable settings of a run. {@code setX} for required values, {@code optX} for optional ones. */
public final class TrainConfig {
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final LrSchedule schedule;
    private final String scheduleName;
    private final long seed;
    private final boolean shuffle;
    private final boolean progressBar;
    private final boolean measureFullStep;
    private final CacheConfig cache;
    private final Augmentation augmentation;
    private final int augmentedViews;
    private final Loss loss;
    private final List<Metric> metrics;
    private final int prefetch;
    private final double gradientClipNorm;
    private final int accumulateBatches;
    private final boolean dropLast;
    private final boolean noDecayOnBiasAndNorm;
    private final LrSchedule momentumSchedule;
    private final boolean divergenceGuard;

    private TrainConfig(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.schedule = b.schedule;
        this.scheduleName = b.scheduleName;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.progressBar = b.progressBar;
        this.measureFullStep = b.measureFullStep;
        this.cache = b.cache;
        this.augmentation = b.augmentation;
        this.augmentedViews = b.augmentedViews;
        this.loss = b.loss;
        this.metrics = b.metrics;
        this.prefetch = b.prefetch;
        this.gradientClipNorm = b.gradientClipNorm;
        this.accumulateBatches = b.accumulateBatches;
        this.dropLast = b.dropLast;
        this.noDecayOnBiasAndNorm = b.noDecayOnBiasAndNorm;
        this.momentumSchedule = b.momentumSchedule;
        this.divergenceGuard = b.divergenceGuard;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.schedule = schedule;
        b.scheduleName = scheduleName;
        b.seed = seed;
        b.shuffle = shuffle;
        b.progressBar = progressBar;
        b.measureFullStep = measureFullStep;
        b.cache = cache;
        b.augmentation = augmentation;
        b.augmentedViews = augmentedViews;
        b.loss = loss;
        b.metrics = metrics;
        b.prefetch = prefetch;
        b.gradientClipNorm = gradientClipNorm;
        b.accumulateBatches = accumulateBatches;
        b.dropLast = dropLast;
        b.noDecayOnBiasAndNorm = noDecayOnBiasAndNorm;
        b.momentumSchedule = momentumSchedule;
        b.divergenceGuard = divergenceGuard;
        return b;
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public double learningRate() {
        return learningRate;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    public String scheduleName() {
        return scheduleName;
    }

    public long seed() {
        return seed;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean progressBar() {
        return progressBar;
    }

    /** Whether to time a few full (nothing frozen) steps so that the time saved is measured, not guessed. */
    public boolean measureFullStep() {
        return measureFullStep;
    }

    /** Activation cache settings, or null when the frozen prefix is recomputed every step. */
    public CacheConfig cache() {
        return cache;
    }

    /** Random augmentation of training examples, or null. */
    public Augmentation augmentation() {
        return augmentation;
    }

    /** Fixed augmented views per example (epoch e uses view e mod n), or 0 for fresh augmentation each epoch. */
    public int augmentedViews() {
        return augmentedViews;
    }

    /** The loss to optimize, or null for the default of the training data's label kind. */
    public Loss loss() {
        return loss;
    }

    /** Metrics computed in training and evaluation, or null for the defaults of the data's label kind. */
    public List<Metric> metrics() {
        return metrics;
    }

    /** Batches read ahead on a background thread (0 reads on the training thread). */
    public int prefetch() {
        return prefetch;
    }

    /** Maximum global L2 norm of the gradients (clipped above it, as PyTorch's clip_grad_norm_); 0 is off. */
    public double gradientClipNorm() {
        return gradientClipNorm;
    }

    /** Micro-batches whose gradients are summed into one optimizer step (1: no accumulation). */
    public int accumulateBatches() {
        return accumulateBatches;
    }

    /** Whether the last, incomplete batch of each epoch is skipped. */
    public boolean dropLast() {
        return dropLast;
    }

    /** Whether biases and normalization parameters are exempt from weight decay. */
    public boolean noDecayOnBiasAndNorm() {
        return noDecayOnBiasAndNorm;
    }

    /** The momentum (beta1) by step of the fit call, or null to leave the optimizer's own. */
    public LrSchedule momentumSchedule() {
        return momentumSchedule;
    }

    /**
     * Whether a non-finite loss, or non-finite weights after an update, stop training at once with an error naming
     * the step (on by default).
     */
    public boolean divergenceGuard() {
        return divergenceGuard;
    }

    /** Every setting by name, for run records (objects by their names). */
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batchSize", batchSize);
        m.put("learningRate", learningRate);
        m.put("schedule", scheduleName);
        m.put("momentumSchedule", momentumSchedule != null);
        m.put("seed", seed);
        m.put("shuffle", shuffle);
        m.put("dropLast", dropLast);
        m.put("accumulateBatches", accumulateBatches);
        m.put("gradientClipNorm", gradientClipNorm);
        m.put("noDecayOnBiasAndNorm", noDecayOnBiasAndNorm);
        m.put("loss", loss == null ? "default" : loss.name());
        m.put("metrics", metrics == null ? "default" : metrics.stream().map(Metric::name).toList());
        m.put("cache", cache == null ? null : cache.toString());
        m.put("augmentation", augmentation == null ? null : augmentation.getClass().getSimpleName());
        m.put("augmentedViews", augmentedViews);
        m.put("prefetch", prefetch);
        m.put("measureFullStep", measureFullStep);
        m.put("divergenceGuard", divergenceGuard);
        return m;
    }

    /**
     * Builder with defaults: 1 epoch, batch 64, lr 1e-3, constant schedule, seed 42, shuffled, no clipping, no
     * accumulation, the last batch kept, the full-step timing probe off (the CLI turns it on for its reports).
     */
    public static final class Builder {
        private int epochs = 1;
        private int batchSize = 64;
        private double learningRate = 1e-3;
        private LrSchedule schedule = LrSchedule.constant();
        private String scheduleName = "constant";
        private long seed = 42;
        private boolean shuffle = true;
        private boolean progressBar = true;
        private boolean measureFullStep;
        private CacheConfig cache;
        private Augmentation augmentation;
        private int augmentedViews;
        private Loss loss;
        private List<Metric> metrics;
        private int prefetch = 2;
        private double gradientClipNorm;
        private int accumulateBatches = 1;
        private boolean dropLast;
        private boolean noDecayOnBiasAndNorm;
        private LrSchedule momentumSchedule;
        private boolean divergenceGuard = true;

        /**
         * On by default: a non-finite loss, or non-finite weights after an update, stop training at once with a
         * one-line error naming the step, before anything (a checkpoint, an evaluation) sees the diverged model.
         */
        public Builder optDivergenceGuard(boolean guard) {
            this.divergenceGuard = guard;
            return this;
        }

        /**
         * Sets the optimizer's momentum (SGD momentum, Adam beta1) every step from this schedule, e.g. fastai's
         * {@code LrSchedule.momentumCycle(pctStart, 0.95, 0.85)} with one-cycle.
         */
        public Builder optMomentumSchedule(LrSchedule schedule) {
            this.momentumSchedule = schedule;
            return this;
        }

        /**
         * Exempts biases and normalization scales/shifts from weight decay (Hugging Face's and fastai's default;
         * off here so that earlier results reproduce).
         */
        public Builder optNoDecayOnBiasAndNorm(boolean exempt) {
            this.noDecayOnBiasAndNorm = exempt;
            return this;
        }

        /** Clips the gradients' global L2 norm to {@code maxNorm} before each update (0 turns clipping off). */
        public Builder optGradientClipNorm(double maxNorm) {
            if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
                throw new FrostException("gradient clip norm must be >= 0 and finite, got " + maxNorm);
            }
            this.gradientClipNorm = maxNorm;
            return this;
        }

        /**
         * Sums the gradients of {@code batches} consecutive batches into one optimizer step, each weighted by its
         * share of the examples, so the step equals one of a {@code batches}× larger batch.
         */
        public Builder optAccumulateBatches(int batches) {
            if (batches < 1) {
                throw new FrostException("accumulated batches must be >= 1, got " + batches);
            }
            this.accumulateBatches = batches;
            return this;
        }

        /** Skips the last, incomplete batch of each epoch (a batch of one breaks BatchNorm statistics). */
        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** The loss (default: softmax cross-entropy, binary cross-entropy or MSE by the data's label kind). */
        public Builder optLoss(Loss loss) {
            this.loss = loss;
            return this;
        }

        /** Metrics recorded per epoch in training and validation (default: by the data's label kind). */
        public Builder optMetrics(Metric... metrics) {
            this.metrics = List.of(metrics);
            return this;
        }

        /** Batches to read ahead off the training thread (default 2; 0 reads on the training thread). */
        public Builder optPrefetch(int batches) {
            if (batches < 0) {
                throw new FrostException("prefetch must be >= 0 batches, got " + batches);
            }
            this.prefetch = batches;
            return this;
        }

        /** Caches the frozen prefix's output (switch 4); null turns the cache off. */
        public Builder optCache(CacheConfig cache) {
            this.cache = cache;
            return this;
        }

        /** Fresh random augmentation every epoch (the activation cache then refuses to serve the prefix). */
        public Builder optAugmentation(Augmentation augmentation) {
            return optAugmentation(augmentation, 0);
        }

        /**
         * Augmentation with {@code views} fixed views per example: epoch e sees view e mod views, so the activation
         * cache can store every view once. 0 means fresh augmentation every epoch.
         */
        public Builder optAugmentation(Augmentation augmentation, int views) {
            if (views < 0) {
                throw new FrostException("augmented views must be >= 0, got " + views);
            }
            this.augmentation = augmentation;
            this.augmentedViews = views;
            return this;
        }

        public Builder setEpochs(int epochs) {
            if (epochs <= 0) {
                throw new FrostException("epochs must be positive, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new FrostException("batch size must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder optLearningRate(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new FrostException("learning rate must be positive and finite, got " + lr);
            }
            this.learningRate = lr;
            return this;
        }

        /**
         * Schedule by name: constant, cosine, onecycle, linear (Hugging Face's: 10% warm-up, then linear decay), step
         * (AutoFreeze's reference: 1, 0.7 from 30% of the steps, 0.4 from 60%).
         */
        public Builder optSchedule(String name) {
            this.schedule = LrSchedule.named(name);
            this.scheduleName = name;
            return this;
        }

        public Builder optSchedule(String name, LrSchedule schedule) {
            this.schedule = schedule;
            this.scheduleName = name;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder optProgressBar(boolean progressBar) {
            this.progressBar = progressBar;
            return this;
        }

        public Builder optMeasureFullStep(boolean measure) {
            this.measureFullStep = measure;
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(this);
        }
    }
}
