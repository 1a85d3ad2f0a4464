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

/**
 * BERT embeddings: word + position + token-type embeddings, then LayerNorm. Input: token ids {@code (S)} (floats
 * holding integers) and the side input {@code token_type_ids} {@code (S)}; output {@code (S, dim)}. Parameter names
 * are Hugging Face's ({@code word_embeddings.weight}, ..., {@code LayerNorm.weight}).
 */
public final class TokenEmbeddingsBlock extends AbstractBlock {
    private final int dim;
    private final float epsilon;
    private final float dropout;
    private final Parameter word;
    private final Parameter position;
    private final Parameter type;
    private final Parameter gamma;
    private final Parameter beta;

    public TokenEmbeddingsBlock(int vocabulary, int maxPositions, int typeVocabulary, int dim, float epsilon) {
        this(vocabulary, maxPositions, typeVocabulary, dim, epsilon, 0f);
    }

    /** With {@code dropout} after the LayerNorm in training mode (Hugging Face's {@code hidden_dropout_prob}). */
    public TokenEmbeddingsBlock(int vocabulary, int maxPositions, int typeVocabulary, int dim, float epsilon,
                                float dropout) {
        this.dim = dim;
        this.epsilon = epsilon;
        this.dropout = dropout;
        this.word = table("word_embeddings.weight", vocabulary, dim);
        this.position = table("position_embeddings.weight", maxPositions, dim);
        this.type = table("token_type_embeddings.weight", typeVocabulary, dim);
        this.gamma = addParameter(Parameter.builder().setName("LayerNorm.weight").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(1f)).build());
        this.beta = addParameter(Parameter.builder().setName("LayerNorm.bias").setType(Parameter.Type.BETA)
                .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(0f)).build());
    }

    private Parameter table(String name, int rows, int d) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, d)).optInitializer(new NormalInitializer(0.02f)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray types = inputs.get(1).toType(DataType.INT64, false);
        long s = x.getShape().get(1);
        NDArray ids = x.toType(DataType.INT64, false);
        var ex = x.getNDArrayInternal();
        NDArray w = store.getValue(word, x.getDevice(), training);
        NDArray p = store.getValue(position, x.getDevice(), training);
        NDArray t = store.getValue(type, x.getDevice(), training);
        NDArray h = ex.embedding(ids, w, SparseFormat.DENSE).singletonOrThrow()
                .add(p.get(new NDIndex(":" + s)))
                .add(ex.embedding(types, t, SparseFormat.DENSE).singletonOrThrow());
        NDArray out = h.getNDArrayInternal().layerNorm(h, new Shape(dim),
                store.getValue(gamma, x.getDevice(), training), store.getValue(beta, x.getDevice(), training),
                epsilon).singletonOrThrow();
        if (training && dropout > 0) {
            out = out.getNDArrayInternal().dropout(out, dropout, true).singletonOrThrow();
        }
        return new NDList(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), dim)};
    }
}
