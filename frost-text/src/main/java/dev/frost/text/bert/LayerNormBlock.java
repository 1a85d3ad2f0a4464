package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/** LayerNorm over the last axis with PyTorch's parameter names ({@code weight}, {@code bias}), as BERT stores them. */
public final class LayerNormBlock extends AbstractBlock {
    private final float epsilon;
    private final Parameter gamma;
    private final Parameter beta;
    private long dim;

    public LayerNormBlock(float epsilon) {
        this.epsilon = epsilon;
        this.gamma = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optInitializer(new ConstantInitializer(1f)).build());
        this.beta = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BETA)
                .optInitializer(new ConstantInitializer(0f)).build());
    }

    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        dim = inputShapes[0].get(inputShapes[0].dimension() - 1);
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        long d = inputShapes[0].get(inputShapes[0].dimension() - 1);
        gamma.setShape(new Shape(d));
        beta.setShape(new Shape(d));
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(x.getNDArrayInternal().layerNorm(x, new Shape(dim), store.getValue(gamma, x.getDevice(),
                training), store.getValue(beta, x.getDevice(), training), epsilon).singletonOrThrow());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
