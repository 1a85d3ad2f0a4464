package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import dev.frost.data.Batch;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.model.FrostModel;

import java.util.Collections;
import java.util.List;

/**
 * What callbacks see and may act on: the model, the optimizer, the position in the run, the history, and during a
 * step the batch, the outputs and the loss.
 */
public final class TrainingContext {
    private final Trainer trainer;
    private final List<EpochRecord> history;
    long stepsPerEpoch;
    long totalSteps;
    double lastLoss = Double.NaN;
    double lastLr;
    double lastGradNorm = Double.NaN;
    boolean stopRequested;
    boolean fitEnded;
    boolean validating;
    private Batch batch;
    private int inputLayer;
    private NDManager stepManager;
    private NDArray outputs;
    private NDArray loss;

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

    /** Current epoch of the run (over all fit calls), 0-based. */
    public int epoch() {
        return trainer.progress().epoch();
    }

    /** Current epoch within this fit call, 0-based: what per-fit schedules and policies count. */
    public int epochInFit() {
        return trainer.progress().epochInCall();
    }

    /** Steps already done in the current epoch. */
    public long stepInEpoch() {
        return trainer.progress().stepInEpoch();
    }

    /** Steps done since the run began (over all fit calls). */
    public long globalStep() {
        return trainer.progress().globalStep();
    }

    /** Steps done in this fit call. */
    public long stepInFit() {
        return trainer.progress().stepInCall();
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** Optimizer steps of this fit call. */
    public long totalSteps() {
        return totalSteps;
    }

    public double lastLoss() {
        return lastLoss;
    }

    public double lastLearningRate() {
        return lastLr;
    }

    /** Global L2 norm of the last step's gradients before clipping (NaN unless clipping is on). */
    public double lastGradientNorm() {
        return lastGradNorm;
    }

    /** Whether this fit call was given validation data (its epochs record {@code valid_*} quantities). */
    public boolean hasValidation() {
        return validating;
    }

    public List<EpochRecord> history() {
        return Collections.unmodifiableList(history);
    }

    /**
     * Pauses the run after the current step: the fit returns, and the next {@code fit} (or a resume from a
     * checkpoint) continues this call where it stopped.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Ends this fit call after the current step (early stopping): the next {@code fit} starts a new call. */
    public void stopFit() {
        stopRequested = true;
        fitEnded = true;
    }

    /**
     * The current micro-batch (in beforeForward and afterLoss). When the activation cache or the frozen prefix has
     * run, {@code features()} holds the activations entering layer {@link #inputLayer()}.
     */
    public Batch batch() {
        requireInStep("batch");
        return batch;
    }

    /** Replaces the batch the forward pass will use (beforeForward); its arrays should live in {@link #stepManager()}. */
    public void setBatch(Batch replacement) {
        requireInStep("setBatch");
        this.batch = replacement;
    }

    /** Index of the first layer the forward pass runs (the frozen prefix's length). */
    public int inputLayer() {
        requireInStep("inputLayer");
        return inputLayer;
    }

    /** Manager of the step's arrays (freed when the step ends). */
    public NDManager stepManager() {
        requireInStep("stepManager");
        return stepManager;
    }

    /** The model's outputs for the current micro-batch (afterLoss). */
    public NDArray outputs() {
        requireInStep("outputs");
        return outputs;
    }

    /** The loss of the current micro-batch, a scalar in the autograd graph (afterLoss). */
    public NDArray lossArray() {
        requireInStep("lossArray");
        return loss;
    }

    /** Replaces the loss to backpropagate (afterLoss), e.g. to add a regularizer or mix two targets. */
    public void setLoss(NDArray replacement) {
        requireInStep("setLoss");
        this.loss = replacement;
    }

    void showStep(Batch b, int input, NDManager manager) {
        this.batch = b;
        this.inputLayer = input;
        this.stepManager = manager;
        this.outputs = null;
        this.loss = null;
    }

    void showLoss(NDArray out, NDArray value) {
        this.outputs = out;
        this.loss = value;
    }

    void clearStepView() {
        batch = null;
        stepManager = null;
        outputs = null;
        loss = null;
    }

    private void requireInStep(String what) {
        if (stepManager == null) {
            throw new FrostException(what + "() is only available inside a step (beforeForward, afterLoss)");
        }
    }
}
