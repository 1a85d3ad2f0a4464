package dev.frost.layers;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * How a composite layer computes its output: it calls its children by name and combines their outputs. Frost, not
 * the wiring, decides each child's mode, so a frozen BatchNorm inside a composite keeps its statistics; children
 * that read side inputs get them from the batch without the wiring passing them on.
 */
@FunctionalInterface
public interface Wiring {
    NDArray forward(NDArray input, Children children);

    /** Runs the children of one composite, each in the mode the normalization switch gives it. */
    interface Children {
        /** Runs one child on {@code input}. */
        NDArray run(String child, NDArray input);

        /**
         * Runs one child that needs more than one input (a residual beside the main input, say): {@code inputs}
         * reach the child's wiring through {@link #input(String)}. Cheaper than concatenating them onto the main
         * input, which copies both on the way in and the gradient on the way back.
         */
        NDArray run(String child, NDArray input, Map<String, NDArray> inputs);

        /**
         * A named input the parent passed to this composite with {@link #run(String, NDArray, Map)}, or a side
         * input of the batch.
         */
        NDArray input(String name);
    }
}
