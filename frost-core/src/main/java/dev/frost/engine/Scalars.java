package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.function.BinaryOperator;

/**
 * Arithmetic with a constant that is safe inside a recorded graph. Use these, never DJL's {@code x.mul(2f)}, in any
 * forward code (layers, losses) that backward will run through.
 *
 * <p>Why: DJL's PyTorch engine turns the constant of {@code mul/div/maximum/minimum/pow(Number)} into a tensor that
 * borrows a Java direct buffer, and closes it as soon as the op returns. Autograd keeps that tensor for the backward
 * of those ops, so once the garbage collector frees the buffer, backward reads freed memory: gradients come out
 * scaled by garbage, or NaN, now and then and depending on GC timing. The constants made here live in libtorch's
 * own memory, which autograd keeps alive for as long as it needs them.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code value} as a 0-d tensor of {@code like}'s type and manager, owned by libtorch. */
    public static NDArray of(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    public static NDArray mul(NDArray x, double value) {
        return with(x, value, NDArray::mul);
    }

    public static NDArray div(NDArray x, double value) {
        return with(x, value, NDArray::div);
    }

    public static NDArray add(NDArray x, double value) {
        return with(x, value, NDArray::add);
    }

    public static NDArray sub(NDArray x, double value) {
        return with(x, value, NDArray::sub);
    }

    /** Elementwise {@code max(x, value)}. */
    public static NDArray maximum(NDArray x, double value) {
        return with(x, value, NDArray::maximum);
    }

    /** Elementwise {@code min(x, value)}. */
    public static NDArray minimum(NDArray x, double value) {
        return with(x, value, NDArray::minimum);
    }

    private static NDArray with(NDArray x, double value, BinaryOperator<NDArray> op) {
        try (NDArray c = of(x, value)) { // closing the handle is safe: autograd holds its own reference
            return op.apply(x, c);
        }
    }
}
