package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/** Packing and unpacking of the {@code (batch, S, D + 1)} layout: hidden states plus the mask channel. */
final class MaskedSequence {
    private MaskedSequence() {}

    static NDArray hidden(NDArray packed) {
        long d = packed.getShape().get(2) - 1;
        return packed.get(new NDIndex(":, :, :" + d));
    }

    /** The mask, {@code (batch, S)}: 1 for tokens, 0 for padding. It is data: no gradient flows through it. */
    static NDArray mask(NDArray packed) {
        long d = packed.getShape().get(2) - 1;
        return packed.get(new NDIndex(":, :, " + d)).stopGradient();
    }

    static NDArray pack(NDArray hidden, NDArray mask) {
        return NDArrays.concat(new NDList(hidden, mask.expandDims(-1)), -1);
    }
}
