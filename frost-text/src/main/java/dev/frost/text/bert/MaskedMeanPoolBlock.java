package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.frost.engine.Scalars;

/**
 * Mean of the hidden states {@code (S, dim)} over the positions the side input {@code attention_mask} marks
 * (sentence-transformers' mean pooling); output {@code (dim)}.
 */
public final class MaskedMeanPoolBlock extends AbstractBlock {
    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1).stopGradient().expandDims(-1);
        NDArray sum = x.mul(mask).sum(new int[] {1});
        NDArray count = Scalars.maximum(mask.sum(new int[] {1}), 1e-9);
        return new NDList(sum.div(count));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(2))};
    }
}
