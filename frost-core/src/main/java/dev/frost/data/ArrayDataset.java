package dev.frost.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Labelled examples held as float arrays in the heap: the simplest {@link Dataset}. Example {@code i} keeps index
 * {@code i} for the dataset's life. Immutable.
 */
public final class ArrayDataset implements Dataset {
    private final String name;
    private final float[] features;
    private final Shape exampleShape;
    private final int exampleSize;
    private final float[] labels;
    private final LabelKind labelKind;
    private final int labelWidth;
    private final Map<String, Side> side;
    private volatile long fingerprint;

    private record Side(Shape shape, float[] values) {}

    /** Class labels {@code 0..classes-1}. */
    public ArrayDataset(String name, float[] features, int[] labels, Shape exampleShape, int classes) {
        this(name, features, exampleShape, toFloats(labels), LabelKind.CLASS, classes, Map.of());
        for (int y : labels) {
            if (y < 0 || y >= classes) {
                throw new FrostException("dataset '" + name + "': label " + y + " is outside 0.." + (classes - 1));
            }
        }
    }

    private ArrayDataset(String name, float[] features, Shape exampleShape, float[] labels, LabelKind kind,
                         int width, Map<String, Side> side) {
        if (width <= 0) {
            throw new FrostException("dataset '" + name + "': label width must be positive, got " + width);
        }
        this.exampleSize = Math.toIntExact(exampleShape.size());
        int perExample = kind == LabelKind.CLASS ? 1 : width;
        if (labels.length % perExample != 0) {
            throw new FrostException("dataset '" + name + "': " + labels.length + " label values do not make whole"
                    + " examples of " + perExample);
        }
        int n = labels.length / perExample;
        if (features.length != (long) n * exampleSize) {
            throw new FrostException("dataset '" + name + "': " + features.length + " feature values do not make "
                    + n + " examples of shape " + exampleShape);
        }
        if (kind == LabelKind.MULTI_LABEL) {
            for (float v : labels) {
                if (v != 0f && v != 1f) {
                    throw new FrostException("dataset '" + name + "': multi-label values must be 0 or 1, got " + v);
                }
            }
        }
        side.forEach((k, s) -> {
            if (s.values().length != (long) n * s.shape().size()) {
                throw new FrostException("dataset '" + name + "': side input '" + k + "' has " + s.values().length
                        + " values, not " + n + " examples of shape " + s.shape());
            }
        });
        this.name = name;
        this.features = features;
        this.labels = labels;
        this.exampleShape = exampleShape;
        this.labelKind = kind;
        this.labelWidth = width;
        this.side = Collections.unmodifiableMap(new LinkedHashMap<>(side));
    }

    /** Multi-hot labels ({@code labels} holds {@code width} 0/1 values per example). */
    public static ArrayDataset multiLabel(String name, float[] features, Shape exampleShape, float[] labels,
                                          int width) {
        return new ArrayDataset(name, features, exampleShape, labels, LabelKind.MULTI_LABEL, width, Map.of());
    }

    /** Regression targets ({@code targets} holds {@code width} floats per example). */
    public static ArrayDataset regression(String name, float[] features, Shape exampleShape, float[] targets,
                                          int width) {
        return new ArrayDataset(name, features, exampleShape, targets, LabelKind.REGRESSION, width, Map.of());
    }

    /** A copy that also carries side input {@code sideName} ({@code values}: one example of {@code shape} each). */
    public ArrayDataset withSideInput(String sideName, Shape shape, float[] values) {
        Map<String, Side> s = new LinkedHashMap<>(side);
        s.put(sideName, new Side(shape, values));
        return new ArrayDataset(name, features, exampleShape, labels, labelKind, labelWidth, s);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length / labelValues();
    }

    @Override
    public Shape exampleShape() {
        return exampleShape;
    }

    @Override
    public Map<String, Shape> sideInputShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        side.forEach((k, s) -> out.put(k, s.shape()));
        return out;
    }

    @Override
    public LabelKind labelKind() {
        return labelKind;
    }

    @Override
    public int labelWidth() {
        return labelWidth;
    }

    /** Number of classes (the label width). */
    public int classes() {
        return labelWidth;
    }

    /** The class id of example {@code index} (class datasets only). */
    public int label(int index) {
        if (labelKind != LabelKind.CLASS) {
            throw new FrostException("dataset '" + name + "' has " + labelKind + " labels, not class ids");
        }
        return (int) labels[index];
    }

    @Override
    public void readFeatures(int index, float[] dst, int offset) {
        System.arraycopy(features, index * exampleSize, dst, offset, exampleSize);
    }

    @Override
    public void readSideInput(String sideName, int index, float[] dst, int offset) {
        Side s = side.get(sideName);
        if (s == null) {
            Dataset.super.readSideInput(sideName, index, dst, offset);
        }
        int len = Math.toIntExact(s.shape().size());
        System.arraycopy(s.values(), index * len, dst, offset, len);
    }

    @Override
    public void readLabel(int index, float[] dst, int offset) {
        int lv = labelValues();
        System.arraycopy(labels, index * lv, dst, offset, lv);
    }

    /** A copy of one example's values. */
    public float[] example(int index) {
        return Arrays.copyOfRange(features, index * exampleSize, (index + 1) * exampleSize);
    }

    /** The examples at {@code order[from..to)} as a float batch {@code (n, exampleShape...)}. */
    public NDArray features(NDManager manager, int[] order, int from, int to) {
        return HostBatch.read(this, Arrays.copyOfRange(order, from, to), null, 0).toEngine(manager).features();
    }

    /** The labels at {@code order[from..to)}: int64 class ids, or float32 {@code (n, width)}. */
    public NDArray labels(NDManager manager, int[] order, int from, int to) {
        return HostBatch.read(this, Arrays.copyOfRange(order, from, to), null, 0).labels(manager);
    }

    /** A new dataset of the given examples, in that order. */
    public ArrayDataset subset(String subsetName, int[] indices) {
        return new ArrayDataset(subsetName, gather(features, exampleSize, indices), exampleShape,
                gather(labels, labelValues(), indices), labelKind, labelWidth, gatherSide(indices));
    }

    private Map<String, Side> gatherSide(int[] indices) {
        Map<String, Side> out = new LinkedHashMap<>();
        side.forEach((k, s) -> out.put(k, new Side(s.shape(),
                gather(s.values(), Math.toIntExact(s.shape().size()), indices))));
        return out;
    }

    private static float[] gather(float[] values, int len, int[] indices) {
        float[] out = new float[indices.length * len];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * len, out, i * len, len);
        }
        return out;
    }

    /** Identity order 0..n-1. */
    public int[] naturalOrder() {
        int[] o = new int[size()];
        Arrays.setAll(o, i -> i);
        return o;
    }

    /** A content fingerprint (features, labels, side inputs, shape), used to key caches to the data; computed once. */
    @Override
    public long fingerprint() {
        long f = fingerprint;
        if (f == 0) {
            CRC32C crc = new CRC32C();
            update(crc, features);
            long labelsCrc = crc32(labels);
            for (Side s : side.values()) {
                update(crc, s.values());
            }
            f = (crc.getValue() << 32) ^ (31L * labelsCrc + exampleShape.hashCode()) ^ features.length
                    ^ ((long) labelKind.ordinal() << 60);
            fingerprint = f == 0 ? 1 : f;
        }
        return fingerprint;
    }

    private static long crc32(float[] values) {
        CRC32C c = new CRC32C();
        update(c, values);
        return c.getValue();
    }

    private static void update(CRC32C crc, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        for (int at = 0; at < values.length; at += b.capacity() / 4) {
            int n = Math.min(b.capacity() / 4, values.length - at);
            b.clear();
            b.asFloatBuffer().put(values, at, n);
            b.limit(n * 4);
            crc.update(b);
        }
    }

    private static float[] toFloats(int[] labels) {
        float[] out = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i];
        }
        return out;
    }
}
