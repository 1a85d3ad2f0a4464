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
    /** A user's own DJL block ({@link Layers#custom}); its FLOPs come from the counter it was given, if any. */
    CUSTOM,
    /** Named sub-layers run by a {@link Wiring} ({@link Layers#composite}, {@link Layers#residual}). */
    COMPOSITE,
    /** A Linear with a LoRA adapter ({@link LoraLinear}): a composite of the frozen base and the low-rank pair. */
    LORA;

    /** FLOPs dominated by matrix products with the layer's weights. */
    boolean isMatrixProduct() {
        return this == LINEAR || this == CONV2D || this == CUSTOM;
    }
}
