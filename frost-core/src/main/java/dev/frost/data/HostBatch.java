package dev.frost.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A batch assembled in host memory, before it reaches the engine: what the {@link BatchLoader} prepares off the
 * training thread. {@link #toEngine} copies it into engine arrays on the calling thread.
 */
public final class HostBatch {
    private final Dataset dataset;
    private final int[] indices;
    private final float[] features;
    private final Map<String, float[]> side;
    private final float[] labels;

    private HostBatch(Dataset dataset, int[] indices, float[] features, Map<String, float[]> side, float[] labels) {
        this.dataset = dataset;
        this.indices = indices;
        this.features = features;
        this.side = side;
        this.labels = labels;
    }

    /**
     * Reads examples {@code indices} of {@code data}; with an augmentation, example {@code i} draws from a generator
     * seeded by ({@code augSeed}, i), so the same seed gives the same batch.
     */
    public static HostBatch read(Dataset data, int[] indices, Augmentation augmentation, long augSeed) {
        int n = indices.length;
        Shape shape = data.exampleShape();
        int len = Math.toIntExact(shape.size());
        float[] x = new float[Math.multiplyExact(n, len)];
        float[] one = augmentation == null ? null : new float[len];
        for (int i = 0; i < n; i++) {
            if (augmentation == null) {
                data.readFeatures(indices[i], x, i * len);
            } else {
                data.readFeatures(indices[i], one, 0);
                augmentation.apply(one, shape, new SplittableRandom(augSeed * 0x9E3779B97F4A7C15L + indices[i]));
                System.arraycopy(one, 0, x, i * len, len);
            }
        }
        Map<String, float[]> side = new LinkedHashMap<>();
        data.sideInputShapes().forEach((name, s) -> {
            int sl = Math.toIntExact(s.size());
            float[] buf = new float[n * sl];
            for (int i = 0; i < n; i++) {
                data.readSideInput(name, indices[i], buf, i * sl);
            }
            side.put(name, buf);
        });
        int lv = data.labelValues();
        float[] y = new float[n * lv];
        for (int i = 0; i < n; i++) {
            data.readLabel(indices[i], y, i * lv);
        }
        if (data.labelKind() == LabelKind.CLASS) {
            checkClassIds(data, indices, y);
        }
        return new HostBatch(data, indices.clone(), x, side, y);
    }

    /** A class label must be a whole number in [0, classes): the loss would otherwise index out of range or truncate. */
    private static void checkClassIds(Dataset data, int[] indices, float[] y) {
        int classes = data.labelWidth();
        for (int i = 0; i < indices.length; i++) {
            float v = y[i];
            if (!(v >= 0 && v < classes && v == Math.rint(v))) {
                throw new dev.frost.FrostException("dataset '" + data.name() + "', example " + indices[i]
                        + ": class label " + v + " is not a class id in 0.." + (classes - 1) + " (labelWidth() is "
                        + classes + " classes)");
            }
        }
    }

    /** The examples' features, row-major (the batch's own array: read, do not modify). */
    public float[] featureValues() {
        return features;
    }

    /** The examples' label values, {@code labelValues()} per example (the batch's own array: do not modify). */
    public float[] labelValues() {
        return labels;
    }

    public int size() {
        return indices.length;
    }

    /** The dataset indices of the examples, in batch order. */
    public int[] indices() {
        return indices.clone();
    }

    /** Copies the batch into engine arrays owned by {@code manager}. */
    public Batch toEngine(NDManager manager) {
        int n = indices.length;
        NDArray x = manager.create(features, new Shape(n).addAll(dataset.exampleShape()));
        Map<String, NDArray> s = new LinkedHashMap<>();
        side.forEach((name, buf) -> s.put(name,
                manager.create(buf, new Shape(n).addAll(dataset.sideInputShapes().get(name)))));
        return new Batch(x, s, labels(manager, dataset.labelKind(), dataset.labelWidth(), labels, n));
    }

    /** Side inputs only (the activation cache serves the main input itself). */
    public Map<String, NDArray> sideInputs(NDManager manager) {
        Map<String, NDArray> s = new LinkedHashMap<>();
        side.forEach((name, buf) -> s.put(name,
                manager.create(buf, new Shape(indices.length).addAll(dataset.sideInputShapes().get(name)))));
        return s;
    }

    /** Labels only. */
    public NDArray labels(NDManager manager) {
        return labels(manager, dataset.labelKind(), dataset.labelWidth(), labels, indices.length);
    }

    private static NDArray labels(NDManager manager, LabelKind kind, int width, float[] y, int n) {
        if (kind == LabelKind.CLASS) {
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = (long) y[i];
            }
            return manager.create(ids);
        }
        return manager.create(y, new Shape(n, width));
    }
}
