package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/** Word + position + token-type (type 0) embeddings, then LayerNorm (eps 1e-12), as in BERT. */
public final class TokenEmbeddingsBlock extends AbstractBlock {
    private final int dim;
    private final Parameter word;
    private final Parameter position;
    private final Parameter type;
    private final Parameter gamma;
    private final Parameter beta;

    public TokenEmbeddingsBlock(int vocabulary, int maxPositions, int typeVocabulary, int dim) {
        this.dim = dim;
        this.word = table("word_embeddings", vocabulary, dim);
        this.position = table("position_embeddings", maxPositions, dim);
        this.type = table("token_type_embeddings", typeVocabulary, dim);
        this.gamma = addParameter(Parameter.builder().setName("ln_gamma").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(1f)).build());
        this.beta = addParameter(Parameter.builder().setName("ln_beta").setType(Parameter.Type.BETA)
                .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(0f)).build());
    }

    private Parameter table(String name, int rows, int d) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, d)).optInitializer(new NormalInitializer(0.02f)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long s = x.getShape().get(2);
        NDArray ids = x.get(new NDIndex(":, 0, :")).toType(DataType.INT64, false);
        NDArray mask = x.get(new NDIndex(":, 1, :"));
        var ex = x.getNDArrayInternal();
        NDArray w = store.getValue(word, x.getDevice(), training);
        NDArray p = store.getValue(position, x.getDevice(), training);
        NDArray t = store.getValue(type, x.getDevice(), training);
        NDArray h = ex.embedding(ids, w, SparseFormat.DENSE).singletonOrThrow()
                .add(p.get(new NDIndex(":" + s))).add(t.get(new NDIndex("0")));
        NDArray normed = h.getNDArrayInternal().layerNorm(h, new Shape(dim),
                store.getValue(gamma, x.getDevice(), training), store.getValue(beta, x.getDevice(), training), 1e-12f)
                .singletonOrThrow();
        return new NDList(MaskedSequence.pack(normed, mask));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(2), dim + 1)};
    }
}
