package dev.frost.train;

import dev.frost.FrostException;

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

    /** Builder with defaults: 1 epoch, batch 64, lr 1e-3, constant schedule, seed 42, shuffled. */
    public static final class Builder {
        private int epochs = 1;
        private int batchSize = 64;
        private double learningRate = 1e-3;
        private LrSchedule schedule = LrSchedule.constant();
        private String scheduleName = "constant";
        private long seed = 42;
        private boolean shuffle = true;
        private boolean progressBar = true;
        private boolean measureFullStep = true;

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

        /** Schedule by name: constant, cosine, onecycle. */
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
