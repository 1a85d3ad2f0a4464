package dev.frost.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.util.Arrays;

/**
 * Labelled examples held as one float array. Example {@code i} keeps index {@code i} for the dataset's life, which
 * is what the activation cache keys on. Immutable.
 */
public final class ArrayDataset {
    private final String name;
    private final float[] features;
    private final int[] labels;
    private final Shape exampleShape;
    private final int exampleSize;
    private final int classes;
    private volatile long fingerprint;

    public ArrayDataset(String name, float[] features, int[] labels, Shape exampleShape, int classes) {
        this.exampleSize = Math.toIntExact(exampleShape.size());
        if (features.length != (long) labels.length * exampleSize) {
            throw new FrostException("dataset '" + name + "': " + features.length + " feature values do not make "
                    + labels.length + " examples of shape " + exampleShape);
        }
        for (int y : labels) {
            if (y < 0 || y >= classes) {
                throw new FrostException("dataset '" + name + "': label " + y + " is outside 0.." + (classes - 1));
            }
        }
        this.name = name;
        this.features = features;
        this.labels = labels;
        this.exampleShape = exampleShape;
        this.classes = classes;
    }

    public String name() {
        return name;
    }

    public int size() {
        return labels.length;
    }

    public Shape exampleShape() {
        return exampleShape;
    }

    public int classes() {
        return classes;
    }

    public int label(int index) {
        return labels[index];
    }

    /** A copy of one example's values. */
    public float[] example(int index) {
        return Arrays.copyOfRange(features, index * exampleSize, (index + 1) * exampleSize);
    }

    /** The examples at {@code order[from..to)} as a float batch {@code (n, exampleShape...)}. */
    public NDArray features(NDManager manager, int[] order, int from, int to) {
        int n = to - from;
        float[] buf = new float[n * exampleSize];
        for (int i = 0; i < n; i++) {
            System.arraycopy(features, order[from + i] * exampleSize, buf, i * exampleSize, exampleSize);
        }
        return manager.create(buf, new Shape(n).addAll(exampleShape));
    }

    /**
     * Like {@link #features(NDManager, int[], int, int)} with {@code augmentation} applied to each example; example
     * {@code i} draws from a generator seeded by ({@code seed}, i), so the same seed gives the same batch.
     */
    public NDArray features(NDManager manager, int[] order, int from, int to, Augmentation augmentation, long seed) {
        if (augmentation == null) {
            return features(manager, order, from, to);
        }
        int n = to - from;
        float[] buf = new float[n * exampleSize];
        for (int i = 0; i < n; i++) {
            float[] ex = example(order[from + i]);
            augmentation.apply(ex, exampleShape, new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L
                    + order[from + i]));
            System.arraycopy(ex, 0, buf, i * exampleSize, exampleSize);
        }
        return manager.create(buf, new Shape(n).addAll(exampleShape));
    }

    /** The labels at {@code order[from..to)} as an int64 vector. */
    public NDArray labels(NDManager manager, int[] order, int from, int to) {
        long[] buf = new long[to - from];
        for (int i = 0; i < buf.length; i++) {
            buf[i] = labels[order[from + i]];
        }
        return manager.create(buf);
    }

    /** A new dataset of the given examples, in that order. */
    public ArrayDataset subset(String subsetName, int[] indices) {
        float[] f = new float[indices.length * exampleSize];
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(features, indices[i] * exampleSize, f, i * exampleSize, exampleSize);
            y[i] = labels[indices[i]];
        }
        return new ArrayDataset(subsetName, f, y, exampleShape, classes);
    }

    /** Identity order 0..n-1. */
    public int[] naturalOrder() {
        int[] o = new int[size()];
        Arrays.setAll(o, i -> i);
        return o;
    }

    /** A content fingerprint (features, labels, shape), used to key caches to the data; computed once. */
    public long fingerprint() {
        long f = fingerprint;
        if (f == 0) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
            for (int at = 0; at < features.length; at += b.capacity() / 4) {
                int n = Math.min(b.capacity() / 4, features.length - at);
                b.clear();
                b.asFloatBuffer().put(features, at, n);
                b.limit(n * 4);
                crc.update(b);
            }
            f = (crc.getValue() << 32) ^ (31L * Arrays.hashCode(labels) + exampleShape.hashCode()) ^ features.length;
            fingerprint = f == 0 ? 1 : f;
        }
        return fingerprint;
    }
}
