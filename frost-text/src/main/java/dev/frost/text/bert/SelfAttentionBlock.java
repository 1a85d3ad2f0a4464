package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.frost.engine.Scalars;

/**
 * Scaled dot-product attention over {@code heads}, with the padding mask. Input: query, key and value side by side
 * {@code (S, 3·dim)} (the outputs of the {@code query}, {@code key}, {@code value} projections) and the side input
 * {@code attention_mask} {@code (S)}; output: the context {@code (S, dim)}. No parameters. With a dropout rate, the
 * attention probabilities are dropped out in training mode (Hugging Face's {@code attention_probs_dropout_prob}).
 */
public final class SelfAttentionBlock extends AbstractBlock {
    private final int heads;
    private final float dropout;

    public SelfAttentionBlock(int heads) {
        this(heads, 0f);
    }

    public SelfAttentionBlock(int heads, float dropout) {
        this.heads = heads;
        this.dropout = dropout;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray qkv = inputs.get(0);
        NDArray mask = inputs.get(1).stopGradient();
        long b = qkv.getShape().get(0);
        long s = qkv.getShape().get(1);
        long dim = qkv.getShape().get(2) / 3;
        long dh = dim / heads;
        NDList parts = qkv.split(3, 2);
        // 1/sqrt(dh) applied to q, which is seq/dh times smaller than the scores (4x at 128 tokens, 32 per head)
        NDArray q = split(Scalars.div(parts.get(0), Math.sqrt(dh)), b, s, dh);
        NDArray k = split(parts.get(1), b, s, dh);
        NDArray v = split(parts.get(2), b, s, dh);
        // padding gets a large negative score, so its attention weight underflows to 0
        NDArray maskBias = Scalars.mul(Scalars.sub(mask, 1), 1e9).reshape(b, 1, 1, s);
        // each score-sized intermediate is freed as soon as the next exists (autograd keeps what backward needs):
        // four of them at once would be most of a layer's memory
        NDArray raw = q.matMul(k.transpose(0, 1, 3, 2));
        NDArray scores = raw.add(maskBias);
        raw.close();
        NDArray probs = scores.softmax(-1);
        scores.close();
        if (training && dropout > 0) {
            NDArray kept = probs.getNDArrayInternal().dropout(probs, dropout, true).singletonOrThrow();
            probs.close();
            probs = kept;
        }
        NDArray context = probs.matMul(v);
        probs.close();
        return new NDList(context.transpose(0, 2, 1, 3).reshape(b, s, dim));
    }

    private NDArray split(NDArray t, long b, long s, long dh) {
        return t.reshape(b, s, heads, dh).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), in.get(2) / 3)};
    }
}
