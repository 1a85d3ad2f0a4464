package dev.frost.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import dev.frost.data.BatchLoader;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.HostBatch;
import dev.frost.engine.Autograd;
import dev.frost.loss.Loss;
import dev.frost.metric.Evaluation;
import dev.frost.metric.Metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inference over a whole dataset, in inference mode and without autograd: evaluation (mean loss and metrics) and
 * prediction. What {@link FrostModel#evaluate} and the trainer's validation share; the trainer plugs in its activation
 * cache as a {@link BoundarySource}.
 */
public final class Inference {
    /** Activations after layer {@code boundary - 1} for some examples of a dataset, or null to compute them. */
    @FunctionalInterface
    public interface BoundarySource {
        NDArray activations(Dataset data, int[] indices, NDManager manager);
    }

    private Inference() {}

    /**
     * Mean loss and metrics of {@code model} on {@code data}. With a {@code source}, layers below {@code boundary}
     * are not run: their output comes from it.
     */
    public static Evaluation evaluate(FrostModel model, Dataset data, Loss loss, List<Metric> metrics, int batchSize,
                                      int prefetch, int boundary, BoundarySource source) {
        checkInput(model, data);
        List<Metric.Accumulator> accs = metrics.stream().map(Metric::newAccumulator).toList();
        double lossSum = 0;
        try (BatchLoader loader = new BatchLoader(data, EpochOrder.of(data.size(), 0, 0, false), batchSize, 0, null,
                0, prefetch)) {
            while (loader.hasNext()) {
                HostBatch hb = loader.next();
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray y = hb.labels(m);
                    NDArray out = Autograd.withoutRecording(() -> forward(model, data, hb, m, boundary, source));
                    lossSum += loss.compute(out, y).getFloat() * hb.size();
                    accs.forEach(a -> a.add(out, y));
                }
            }
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < metrics.size(); i++) {
            values.put(metrics.get(i).name(), accs.get(i).value());
        }
        return new Evaluation(lossSum / data.size(), values, data.size());
    }

    /** The model's outputs for every example of {@code data}, in dataset order: {@code [size][outputs]}. */
    public static float[][] predict(FrostModel model, Dataset data, int batchSize) {
        checkInput(model, data);
        float[][] out = new float[data.size()][];
        try (BatchLoader loader = new BatchLoader(data, EpochOrder.of(data.size(), 0, 0, false), batchSize, 0, null,
                0, 2)) {
            int at = 0;
            while (loader.hasNext()) {
                HostBatch hb = loader.next();
                try (NDManager m = model.manager().newSubManager()) {
                    float[] flat = Autograd.withoutRecording(() -> forward(model, data, hb, m, 0, null)).toFloatArray();
                    int width = flat.length / hb.size();
                    for (int i = 0; i < hb.size(); i++) {
                        out[at++] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
                    }
                }
            }
        }
        return out;
    }

    private static NDArray forward(FrostModel model, Dataset data, HostBatch hb, NDManager m, int boundary,
                                   BoundarySource source) {
        Map<String, NDArray> side = hb.sideInputs(m);
        NDArray h = source == null || boundary == 0 ? null : source.activations(data, hb.indices(), m);
        int from = h == null ? 0 : boundary;
        if (h == null) {
            h = hb.toEngine(m).features();
        }
        return model.runWithoutGraph(h, side, false, from, model.layers().size());
    }

    /** Refuses, in one line, a dataset that is empty or whose examples or side inputs do not fit the model. */
    public static void checkInput(FrostModel model, Dataset data) {
        if (data.size() == 0) {
            throw new FrostException("dataset '" + data.name() + "' is empty");
        }
        if (!data.exampleShape().equals(model.inputShape())) {
            throw new FrostException("dataset '" + data.name() + "' has examples of shape " + data.exampleShape()
                    + " but the model expects " + model.inputShape());
        }
        model.sideInputShapes().forEach((name, shape) -> {
            var has = data.sideInputShapes().get(name);
            if (!shape.equals(has)) {
                throw new FrostException("dataset '" + data.name() + "' " + (has == null ? "has no side input '"
                        + name + "'" : "has side input '" + name + "' of shape " + has) + " but the model needs '"
                        + name + "' of shape " + shape);
            }
        });
    }
}
