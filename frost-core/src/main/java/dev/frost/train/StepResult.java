package dev.frost.train;

/** Outcome of one training or evaluation batch: summed loss and correct predictions over its examples. */
public record StepResult(double lossSum, long correct, long examples) {
    public double meanLoss() {
        return lossSum / examples;
    }
}
