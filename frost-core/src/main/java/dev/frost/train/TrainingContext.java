package dev.frost.train;

import dev.frost.freeze.optim.Optimizer;
import dev.frost.model.FrostModel;

import java.util.Collections;
import java.util.List;

/** What callbacks see and may act on: the model, the optimizer, the position in the run, the history. */
public final class TrainingContext {
    private final Trainer trainer;
    private final List<EpochRecord> history;
    long stepsPerEpoch;
    long totalSteps;
    double lastLoss = Double.NaN;
    double lastLr;
    boolean stopRequested;

    TrainingContext(Trainer trainer, List<EpochRecord> history) {
        this.trainer = trainer;
        this.history = history;
    }

    public Trainer trainer() {
        return trainer;
    }

    public FrostModel model() {
        return trainer.model();
    }

    public Optimizer optimizer() {
        return trainer.optimizer();
    }

    public TrainConfig config() {
        return trainer.config();
    }

    /** Current epoch, 0-based. */
    public int epoch() {
        return trainer.progress().epoch();
    }

    /** Steps already done in the current epoch. */
    public long stepInEpoch() {
        return trainer.progress().stepInEpoch();
    }

    /** Steps done since the run began. */
    public long globalStep() {
        return trainer.progress().globalStep();
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public long totalSteps() {
        return totalSteps;
    }

    public double lastLoss() {
        return lastLoss;
    }

    public double lastLearningRate() {
        return lastLr;
    }

    public List<EpochRecord> history() {
        return Collections.unmodifiableList(history);
    }

    /** Ends the run after the current step; the trainer's progress then says where to resume. */
    public void requestStop() {
        stopRequested = true;
    }
}
