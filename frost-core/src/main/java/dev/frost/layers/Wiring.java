package dev.frost.layers;

import ai.djl.ndarray.NDArray;

/**
 * How a composite layer computes its output: it calls its children by name and combines their outputs. Frost, not
 * the wiring, decides each child's mode, so a frozen BatchNorm inside a composite keeps its statistics; children
 * that read side inputs get them from the batch without the wiring passing them on.
 */
@FunctionalInterface
public interface Wiring {
    NDArray forward(NDArray input, Children children);

    /** Runs one child of the composite, in the mode the normalization switch gives that child. */
    @FunctionalInterface
    interface Children {
        NDArray run(String child, NDArray input);
    }
}
