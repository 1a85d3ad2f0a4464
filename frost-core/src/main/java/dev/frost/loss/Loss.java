package dev.frost.loss;

import ai.djl.ndarray.NDArray;
import dev.frost.data.LabelKind;

/**
 * A training objective: the mean loss of a batch as a scalar, differentiable with respect to {@code predictions}.
 * Labels arrive as the dataset's label kind makes them: int64 class ids {@code (n)}, or float32 {@code (n, width)}
 * multi-hot vectors or regression targets.
 */
public interface Loss {
    String name();

    NDArray compute(NDArray predictions, NDArray labels);

    /** The label kind this loss reads, or null for any (a loss of yours, unless it says). */
    default LabelKind labelKind() {
        return null;
    }
}
