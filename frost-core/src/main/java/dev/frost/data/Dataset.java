package dev.frost.data;

import ai.djl.ndarray.types.Shape;

import java.util.Map;

/**
 * Labelled examples addressed by a stable index in {@code [0, size())}: example {@code i} is the same example for
 * the dataset's life, which is what the activation cache keys on. Implementations read one example at a time into
 * a caller's buffer, so a batch can be assembled off the training thread ({@link BatchLoader}) and a dataset never
 * has to hold all of itself in the heap.
 *
 * <p>Implementations must be safe for concurrent reads of different examples (the loader reads from a background
 * thread while the trainer may evaluate another dataset).
 */
public interface Dataset {
    /** A short name for messages and cache keys. */
    String name();

    int size();

    /** Shape of one example's main input (no batch axis). */
    Shape exampleShape();

    /**
     * Named side inputs each example carries besides the main input (an attention mask, token types), with their
     * per-example shapes. Layers that declare a side input of that name receive it. Empty by default.
     */
    default Map<String, Shape> sideInputShapes() {
        return Map.of();
    }

    LabelKind labelKind();

    /** Classes for {@link LabelKind#CLASS} and {@link LabelKind#MULTI_LABEL}, targets for regression. */
    int labelWidth();

    /**
     * A fingerprint of the content (examples and labels), stable across runs and processes for the same content:
     * the activation cache keys its rows on it. Implementations compute it once and remember it.
     */
    long fingerprint();

    /** Writes example {@code index}'s main input ({@code exampleShape().size()} floats) into {@code dst}. */
    void readFeatures(int index, float[] dst, int offset);

    /** Writes example {@code index}'s side input {@code name} into {@code dst}. */
    default void readSideInput(String name, int index, float[] dst, int offset) {
        throw new dev.frost.FrostException("dataset '" + name() + "' has no side input '" + name + "'");
    }

    /**
     * Writes example {@code index}'s label: one value (the class id) for {@link LabelKind#CLASS}, otherwise
     * {@link #labelWidth()} values.
     */
    void readLabel(int index, float[] dst, int offset);

    /** Floats {@link #readLabel} writes per example. */
    default int labelValues() {
        return labelKind() == LabelKind.CLASS ? 1 : labelWidth();
    }
}
