package dev.frost.metric;

import ai.djl.ndarray.NDArray;

/**
 * A quality measure computed over many batches: each pass (a training epoch, an evaluation) takes a fresh
 * {@link Accumulator}, adds every batch's predictions and labels, and reads the value at the end.
 */
public interface Metric {
    String name();

    Accumulator newAccumulator();

    /** Running sums of one pass. {@code add} is called outside autograd. */
    interface Accumulator {
        void add(NDArray predictions, NDArray labels);

        /** The metric over everything added so far; NaN when nothing was added or the model's outputs are not finite. */
        double value();
    }
}
