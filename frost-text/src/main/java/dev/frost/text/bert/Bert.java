package dev.frost.text.bert;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;

/** BERT-family layers (as custom Frost layers with their FLOP counts) and the classifier built from them. */
public final class Bert {
    private Bert() {}

    /** Sizes of a BERT-style encoder. */
    public record Config(int vocabulary, int maxPositions, int typeVocabulary, int dim, int heads, int ffn,
                         int layers) {
        /** all-MiniLM-L6-v2: 30,522 tokens, 512 positions, 384 wide, 12 heads, FFN 1,536, 6 layers. */
        public static final Config MINILM_L6 = new Config(30522, 512, 2, 384, 12, 1536, 6);
    }

    /**
     * BERT embeddings: input {@code (2, S)} (token ids, attention mask, as floats), output {@code (S, dim + 1)}: the
     * embedded sequence with the mask carried as its last channel, which the transformer layers pass along.
     */
    public static Layer tokenEmbeddings(String name, int vocabulary, int maxPositions, int typeVocabulary, int dim) {
        requirePositive(name, "vocabulary", vocabulary);
        requirePositive(name, "dim", dim);
        return Layers.custom(name, new TokenEmbeddingsBlock(vocabulary, maxPositions, typeVocabulary, dim),
                l -> 5L * l.outputShape().size());
    }

    /** A post-LayerNorm transformer encoder layer (BERT) on {@code (S, dim + 1)} masked sequences. */
    public static Layer transformerLayer(String name, int dim, int heads, int ffn) {
        requirePositive(name, "heads", heads);
        if (dim % heads != 0) {
            throw new FrostException("layer '" + name + "': dim " + dim + " is not divisible by " + heads + " heads");
        }
        return Layers.custom(name, new TransformerLayerBlock(dim, heads, ffn), l -> {
            long s = l.inputShape().get(0);
            long d = l.inputShape().get(1) - 1; // the last channel carries the attention mask
            return s * (2 * 4 * d * d + 2 * 2 * d * (long) ffn) + 2 * 2 * s * s * d + 20 * s * d;
        });
    }

    /** Mean over unmasked positions: {@code (S, dim + 1)} to {@code (dim)}. */
    public static Layer maskedMeanPool(String name) {
        return Layers.custom(name, new MaskedMeanPoolBlock(), l -> l.inputShape().size());
    }

    /**
     * A BERT encoder with mean pooling and a linear head. Input {@code (2, seqLen)}: token ids and attention mask as
     * floats. Groups: {@code embeddings}, {@code layer0}..{@code layerN-1}, {@code head} (pool + classifier).
     */
    public static FrostModel classifier(Config c, int seqLen, int classes, long seed) {
        if (seqLen < 1 || seqLen > c.maxPositions()) {
            throw new FrostException("sequence length must be in 1.." + c.maxPositions() + ", got " + seqLen);
        }
        FrostModel.Builder b = FrostModel.builder(new Shape(2, seqLen)).optSeed(seed);
        b.addGroup("embeddings", tokenEmbeddings("embeddings", c.vocabulary(), c.maxPositions(),
                c.typeVocabulary(), c.dim()));
        for (int i = 0; i < c.layers(); i++) {
            b.addGroup("layer" + i, transformerLayer("layer" + i, c.dim(), c.heads(), c.ffn()));
        }
        b.addGroup("head", maskedMeanPool("pool"), Layers.linear("classifier", classes));
        return b.build();
    }

    private static void requirePositive(String layer, String what, long value) {
        if (value <= 0) {
            throw new FrostException("layer '" + layer + "': " + what + " must be positive, got " + value);
        }
    }
}
