package dev.frost.metric;

import java.util.Map;

/** Mean loss and metric values of a model on a dataset. */
public record Evaluation(double loss, Map<String, Double> metrics, long examples) {
    public Evaluation {
        metrics = Map.copyOf(metrics);
    }

    /** The "accuracy" metric, or NaN when it was not computed. */
    public double accuracy() {
        return metrics.getOrDefault("accuracy", Double.NaN);
    }
}
