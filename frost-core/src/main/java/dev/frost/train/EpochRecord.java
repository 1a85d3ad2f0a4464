package dev.frost.train;

import java.util.Locale;
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

    /** One line: loss, metrics, time, FLOPs against full training. */
    public String describe() {
        return String.format(Locale.ROOT,
                "epoch %d: loss %.4f%s%s | %.1f s, %.2f GFLOP (%.0f%% of full), frozen groups %d",
                epoch + 1, trainLoss, metricText(trainMetrics),
                Double.isNaN(validLoss) ? "" : String.format(Locale.ROOT, " | valid loss %.4f%s", validLoss,
                        metricText(validMetrics)),
                trainSeconds, executedFlops() / 1e9,
                fullFlops() == 0 ? 100.0 : 100.0 * executedFlops() / fullFlops(), frozenGroups);
    }

    private static String metricText(Map<String, Double> values) {
        StringBuilder sb = new StringBuilder();
        values.forEach((key, v) -> sb.append(String.format(Locale.ROOT, " %s %.4f", key, v)));
        return sb.toString();
    }
}
