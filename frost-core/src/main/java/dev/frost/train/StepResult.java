package dev.frost.train;

/** Outcome of one training batch: summed loss over its examples. */
public record StepResult(double lossSum, long examples) {
    public double meanLoss() {
        return lossSum / examples;
    }
}
