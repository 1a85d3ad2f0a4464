package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BERT-family layers and the classifier built from them. An encoder layer is a composite of named sub-layers laid
 * out as Hugging Face's modules ({@code attention.self.query}, {@code .key}, {@code .value},
 * {@code attention.output.dense}, {@code attention.output.LayerNorm}, {@code intermediate.dense},
 * {@code output.dense}, {@code output.LayerNorm}), so each can be frozen or adapted on its own and every tensor name
 * maps one-to-one to Hugging Face's ({@link #huggingFaceName}). The batch carries {@code attention_mask} and
 * {@code token_type_ids} as side inputs.
 */
public final class Bert {
    /** Side input: 1 for tokens, 0 for padding. */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Side input: segment ids (0 for single-sentence tasks). */
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** The named input an add-and-norm sub-layer gets from its parent beside the sub-layer's own input. */
    private static final String RESIDUAL = "residual";
    private static final Pattern HF_LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.+)$");
    private static final Pattern FROST_LAYER = Pattern.compile("^layer(\\d+)\\.(.+)$");

    private Bert() {}

    /**
     * Sizes of a BERT-style encoder; {@code layerNormEps} as the model's config (1e-12 for BERT and MiniLM). Dropout
     * (Hugging Face's {@code hidden_dropout_prob} and {@code attention_probs_dropout_prob}, 0.1 in its configs) is
     * off unless asked for ({@link #withDropout}); it runs only in layers that train, so a frozen prefix stays
     * deterministic and its activations stay cacheable.
     */
    public record Config(int vocabulary, int maxPositions, int typeVocabulary, int dim, int heads, int ffn,
                         int layers, float layerNormEps, float hiddenDropout, float attentionDropout) {
        /** all-MiniLM-L6-v2: 30,522 tokens, 512 positions, 384 wide, 12 heads, FFN 1,536, 6 layers. */
        public static final Config MINILM_L6 = new Config(30522, 512, 2, 384, 12, 1536, 6, 1e-12f);

        public Config {
            if (!(hiddenDropout >= 0 && hiddenDropout < 1) || !(attentionDropout >= 0 && attentionDropout < 1)) {
                throw new FrostException("BERT dropout rates must be in [0, 1), got hidden " + hiddenDropout
                        + ", attention " + attentionDropout);
            }
        }

        public Config(int vocabulary, int maxPositions, int typeVocabulary, int dim, int heads, int ffn, int layers,
                      float layerNormEps) {
            this(vocabulary, maxPositions, typeVocabulary, dim, heads, ffn, layers, layerNormEps, 0f, 0f);
        }

        public Config(int vocabulary, int maxPositions, int typeVocabulary, int dim, int heads, int ffn, int layers) {
            this(vocabulary, maxPositions, typeVocabulary, dim, heads, ffn, layers, 1e-12f);
        }

        /** The same sizes with dropout after the embeddings, each sub-layer and the pooled features, and on attention. */
        public Config withDropout(float hidden, float attention) {
            return new Config(vocabulary, maxPositions, typeVocabulary, dim, heads, ffn, layers, layerNormEps, hidden,
                    attention);
        }
    }

    /** Embeddings: token ids {@code (S)} and {@code token_type_ids} to {@code (S, dim)}. */
    public static Layer tokenEmbeddings(String name, Config c) {
        requirePositive(name, "vocabulary", c.vocabulary());
        requirePositive(name, "dim", c.dim());
        return Layers.custom(name, new TokenEmbeddingsBlock(c.vocabulary(), c.maxPositions(), c.typeVocabulary(),
                c.dim(), c.layerNormEps(), c.hiddenDropout()), l -> 5L * l.outputShape().size(), TOKEN_TYPE_IDS);
    }

    /** One post-LayerNorm encoder layer on {@code (S, dim)}, reading {@code attention_mask}. */
    public static Layer encoderLayer(String name, Config c) {
        int dim = c.dim();
        requirePositive(name, "heads", c.heads());
        if (dim % c.heads() != 0) {
            throw new FrostException("layer '" + name + "': dim " + dim + " is not divisible by " + c.heads()
                    + " heads");
        }
        Layer self = Layers.composite("self", List.of(Layers.linear("query", dim), Layers.linear("key", dim),
                Layers.linear("value", dim), Layers.custom("attend", new SelfAttentionBlock(c.heads(), c.attentionDropout()), l -> {
                    long s = l.inputShape().get(0);
                    return 2L * 2 * s * s * dim + 5L * s * s * c.heads();
                }, ATTENTION_MASK)), (x, ch) -> ch.run("attend", NDArrays.concat(new NDList(ch.run("query", x),
                ch.run("key", x), ch.run("value", x)), 2)), null);
        Layer attentionOutput = addAndNorm("output", dim, c.layerNormEps(), c.hiddenDropout());
        Layer attention = Layers.composite("attention", List.of(self, attentionOutput),
                (x, ch) -> ch.run("output", ch.run("self", x), Map.of(RESIDUAL, x)), null);
        Layer intermediate = Layers.composite("intermediate", List.of(Layers.linear("dense", c.ffn())),
                (x, ch) -> Activation.gelu(ch.run("dense", x)), l -> l.outputShape().size());
        Layer output = addAndNorm("output", dim, c.layerNormEps(), c.hiddenDropout());
        return Layers.composite(name, List.of(attention, intermediate, output), (x, ch) -> {
            NDArray a = ch.run("attention", x);
            return ch.run("output", ch.run("intermediate", a), Map.of(RESIDUAL, a));
        }, null);
    }

    /**
     * {@code LayerNorm(dense(h) + residual)} on {@code h}, with the residual passed by the parent as a named input:
     * Hugging Face's {@code BertSelfOutput} and {@code BertOutput}.
     */
    private static Layer addAndNorm(String name, int dim, float eps, float dropout) {
        List<Layer> children = new java.util.ArrayList<>(List.of(Layers.linear("dense", dim),
                Layers.custom("LayerNorm", new LayerNormBlock(eps), l -> 5L * l.outputShape().size())));
        if (dropout > 0) {
            children.add(Layers.dropout("dropout", dropout));
        }
        return Layers.composite(name, children, (x, ch) -> {
            NDArray h = ch.run("dense", x);
            return ch.run("LayerNorm", (dropout > 0 ? ch.run("dropout", h) : h).add(ch.input(RESIDUAL)));
        }, l -> l.outputShape().size());
    }

    /** Mean over the positions {@code attention_mask} marks: {@code (S, dim)} to {@code (dim)}. */
    public static Layer maskedMeanPool(String name) {
        return Layers.custom(name, new MaskedMeanPoolBlock(), l -> l.inputShape().size(), ATTENTION_MASK)
                .markDeterministic();
    }

    /**
     * A BERT encoder with mean pooling and a linear head. Input: token ids {@code (seqLen)}; side inputs
     * {@code attention_mask} and {@code token_type_ids} {@code (seqLen)}. Groups: {@code embeddings},
     * {@code layer0}..{@code layerN-1}, {@code head} (pool + classifier).
     */
    public static FrostModel classifier(Config c, int seqLen, int classes, long seed) {
        if (seqLen < 1 || seqLen > c.maxPositions()) {
            throw new FrostException("sequence length must be in 1.." + c.maxPositions() + ", got " + seqLen);
        }
        FrostModel.Builder b = FrostModel.builder(new Shape(seqLen)).optSeed(seed)
                .addSideInput(ATTENTION_MASK, new Shape(seqLen)).addSideInput(TOKEN_TYPE_IDS, new Shape(seqLen));
        b.addGroup("embeddings", tokenEmbeddings("embeddings", c));
        for (int i = 0; i < c.layers(); i++) {
            b.addGroup("layer" + i, encoderLayer("layer" + i, c));
        }
        if (c.hiddenDropout() > 0) { // Hugging Face's sequence classifier drops out the pooled features too
            b.addGroup("head", maskedMeanPool("pool"), Layers.dropout("dropout", c.hiddenDropout()),
                    Layers.linear("classifier", classes));
        } else {
            b.addGroup("head", maskedMeanPool("pool"), Layers.linear("classifier", classes));
        }
        return b.build();
    }

    /** Frost's tensor name for a Hugging Face one: {@code encoder.layer.3.x} is {@code layer3.x}. */
    public static String frostName(String huggingFace) {
        Matcher m = HF_LAYER.matcher(huggingFace);
        return m.matches() ? "layer" + m.group(1) + "." + m.group(2) : huggingFace;
    }

    /** Hugging Face's tensor name for a Frost one: {@code layer3.x} is {@code encoder.layer.3.x}. */
    public static String huggingFaceName(String frost) {
        Matcher m = FROST_LAYER.matcher(frost);
        return m.matches() ? "encoder.layer." + m.group(1) + "." + m.group(2) : frost;
    }

    private static void requirePositive(String layer, String what, long value) {
        if (value <= 0) {
            throw new FrostException("layer '" + layer + "': " + what + " must be positive, got " + value);
        }
    }
}
