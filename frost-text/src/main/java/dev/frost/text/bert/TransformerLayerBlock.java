package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A BERT encoder layer (post-LayerNorm): multi-head self-attention with the padding mask, residual, LayerNorm;
 * feed-forward with exact (erf) GELU, residual, LayerNorm. Weights use PyTorch's Linear layout {@code [out, in]}.
 * No dropout: the layer is deterministic, so a frozen stack of them can be cached.
 */
public final class TransformerLayerBlock extends AbstractBlock {
    private static final float LN_EPS = 1e-12f;
    private final int dim;
    private final int heads;
    private final Parameter qW;
    private final Parameter qB;
    private final Parameter kW;
    private final Parameter kB;
    private final Parameter vW;
    private final Parameter vB;
    private final Parameter oW;
    private final Parameter oB;
    private final Parameter ln1G;
    private final Parameter ln1B;
    private final Parameter f1W;
    private final Parameter f1B;
    private final Parameter f2W;
    private final Parameter f2B;
    private final Parameter ln2G;
    private final Parameter ln2B;

    public TransformerLayerBlock(int dim, int heads, int ffn) {
        this.dim = dim;
        this.heads = heads;
        qW = weight("q_weight", dim, dim);
        qB = bias("q_bias", dim);
        kW = weight("k_weight", dim, dim);
        kB = bias("k_bias", dim);
        vW = weight("v_weight", dim, dim);
        vB = bias("v_bias", dim);
        oW = weight("o_weight", dim, dim);
        oB = bias("o_bias", dim);
        ln1G = norm("ln1_gamma", Parameter.Type.GAMMA, dim, 1f);
        ln1B = norm("ln1_beta", Parameter.Type.BETA, dim, 0f);
        f1W = weight("ffn1_weight", ffn, dim);
        f1B = bias("ffn1_bias", ffn);
        f2W = weight("ffn2_weight", dim, ffn);
        f2B = bias("ffn2_bias", dim);
        ln2G = norm("ln2_gamma", Parameter.Type.GAMMA, dim, 1f);
        ln2B = norm("ln2_beta", Parameter.Type.BETA, dim, 0f);
    }

    private Parameter weight(String name, int out, int in) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in)).optInitializer(new NormalInitializer(0.02f)).build());
    }

    private Parameter bias(String name, int n) {
        return norm(name, Parameter.Type.BIAS, n, 0f);
    }

    private Parameter norm(String name, Parameter.Type type, int n, float value) {
        return addParameter(Parameter.builder().setName(name).setType(type).optShape(new Shape(n))
                .optInitializer(new ConstantInitializer(value)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray packed = inputs.singletonOrThrow();
        NDArray x = MaskedSequence.hidden(packed);
        NDArray mask = MaskedSequence.mask(packed);
        long b = x.getShape().get(0);
        long s = x.getShape().get(1);
        long dh = dim / heads;
        NDArray q = heads(linear(store, x, qW, qB, training), b, s, dh);
        NDArray k = heads(linear(store, x, kW, kB, training), b, s, dh);
        NDArray v = heads(linear(store, x, vW, vB, training), b, s, dh);
        // padding gets a large negative score, so its attention weight underflows to 0
        NDArray maskBias = mask.sub(1f).mul(1e9f).reshape(b, 1, 1, s);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(dh)).add(maskBias);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, s, dim);
        NDArray x1 = layerNorm(store, x.add(linear(store, context, oW, oB, training)), ln1G, ln1B, training);
        NDArray hidden = Activation.gelu(linear(store, x1, f1W, f1B, training));
        NDArray x2 = layerNorm(store, x1.add(linear(store, hidden, f2W, f2B, training)), ln2G, ln2B, training);
        return new NDList(MaskedSequence.pack(x2, mask));
    }

    private NDArray heads(NDArray t, long b, long s, long dh) {
        return t.reshape(b, s, heads, dh).transpose(0, 2, 1, 3);
    }

    private static NDArray linear(ParameterStore store, NDArray x, Parameter w, Parameter bias, boolean training) {
        return x.getNDArrayInternal().linear(x, store.getValue(w, x.getDevice(), training),
                store.getValue(bias, x.getDevice(), training)).singletonOrThrow();
    }

    private NDArray layerNorm(ParameterStore store, NDArray x, Parameter g, Parameter bt, boolean training) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(dim), store.getValue(g, x.getDevice(), training),
                store.getValue(bt, x.getDevice(), training), LN_EPS).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
