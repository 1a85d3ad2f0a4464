package dev.frost.train;

import java.util.Map;

/**
 * One epoch of a run: metrics, wall time, and the compute actually executed against what full training (nothing
 * frozen) would have cost. FLOPs are totals over the epoch's examples.
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double validLoss, double validAccuracy,
                          double trainSeconds, double fullTrainSecondsEstimate, long steps,
                          long forwardFlops, long backwardFlops, long fullForwardFlops, long fullBackwardFlops,
                          int frozenGroups, int frozenPrefixLayers, Map<String, Double> learningRates) {

    public long executedFlops() {
        return forwardFlops + backwardFlops;
    }

    public long fullFlops() {
        return fullForwardFlops + fullBackwardFlops;
    }
}
