package dev.frost.train;

import java.util.Map;

/**
 * One epoch of a run: loss and metrics, wall time, and the compute actually executed against what full training
 * (nothing frozen) would have cost. FLOPs are totals over the epoch's examples.
 */
public record EpochRecord(int epoch, double trainLoss, double validLoss, Map<String, Double> trainMetrics,
                          Map<String, Double> validMetrics, double trainSeconds, double fullTrainSecondsEstimate,
                          long steps, long forwardFlops, long backwardFlops, long fullForwardFlops,
                          long fullBackwardFlops, int frozenGroups, int frozenPrefixLayers,
                          Map<String, Double> learningRates) {

    public long executedFlops() {
        return forwardFlops + backwardFlops;
    }

    public long fullFlops() {
        return fullForwardFlops + fullBackwardFlops;
    }

    /** Training accuracy of the epoch, or NaN when accuracy was not a metric. */
    public double trainAccuracy() {
        return trainMetrics.getOrDefault("accuracy", Double.NaN);
    }

    /** Validation accuracy of the epoch, or NaN when there was no validation set or accuracy was not a metric. */
    public double validAccuracy() {
        return validMetrics.getOrDefault("accuracy", Double.NaN);
    }
}
