package dev.frost.layers;

/** What a layer computes; decides FLOP counting and how freezing treats it (normalization is special). */
public enum LayerKind {
    LINEAR,
    CONV2D,
    BATCH_NORM,
    LAYER_NORM,
    EMBEDDING,
    ACTIVATION,
    POOL,
    DROPOUT,
    FLATTEN,
    /** Token, position and type embeddings with LayerNorm (BERT). */
    TOKEN_EMBEDDINGS,
    /** One transformer encoder layer: self-attention and feed-forward, each with residual and LayerNorm. */
    TRANSFORMER_LAYER,
    /** Mean over the unmasked positions of a sequence. */
    MASKED_POOL;

    /** FLOPs dominated by matrix products with the layer's weights. */
    boolean isMatrixProduct() {
        return this == LINEAR || this == CONV2D || this == TRANSFORMER_LAYER;
    }
}
