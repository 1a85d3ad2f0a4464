package dev.frost.data;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * A batch on the engine: the main input {@code (n, exampleShape...)}, the side inputs by name, and the labels (int64
 * {@code (n)} for classes, float32 {@code (n, width)} otherwise). The arrays belong to the manager that created
 * them (the trainer's per-step manager).
 */
public record Batch(NDArray features, Map<String, NDArray> sideInputs, NDArray labels) {
    public long size() {
        return features.getShape().get(0);
    }
}
