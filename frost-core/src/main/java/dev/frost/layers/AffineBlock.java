package dev.frost.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.frost.FrostException;

/**
 * {@code y = x * scale + shift} per feature of the last axis, with constants fixed at construction (no parameters,
 * nothing to train or freeze): the standardization of inputs and the inverse standardization of regression outputs
 * that a run derives from its training data.
 */
final class AffineBlock extends AbstractBlock {
    private final float[] scale;
    private final float[] shift;

    AffineBlock(float[] scale, float[] shift) {
        if (scale.length != shift.length || scale.length == 0) {
            throw new FrostException("affine layer needs as many scales as shifts (at least one), got " + scale.length
                    + " and " + shift.length);
        }
        for (int i = 0; i < scale.length; i++) {
            if (!Float.isFinite(scale[i]) || !Float.isFinite(shift[i])) {
                throw new FrostException("affine layer: scale and shift must be finite, feature " + i + " has "
                        + scale[i] + " and " + shift[i]);
            }
        }
        this.scale = scale.clone();
        this.shift = shift.clone();
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long width = x.getShape().get(x.getShape().dimension() - 1);
        if (width != scale.length) {
            throw new FrostException("affine layer expects " + scale.length + " features on the last axis, got "
                    + width);
        }
        NDArray a = owned(x, scale);
        NDArray b = owned(x, shift);
        return new NDList(x.mul(a).addi(b));
    }

    /**
     * The constants as a tensor in libtorch's own memory: {@code create(float[])} borrows a Java direct buffer that
     * is released when the layer's scope closes, while autograd keeps {@code a} for {@code mul}'s backward.
     */
    private static NDArray owned(NDArray like, float[] values) {
        try (NDArray borrowed = like.getManager().create(values);
             NDArray typed = borrowed.toType(like.getDataType(), false)) {
            return typed.duplicate(); // a copy libtorch allocates (toType to the same type returns the borrowed one)
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    float[] scale() {
        return scale.clone();
    }

    float[] shift() {
        return shift.clone();
    }

}
