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
    FLATTEN;

    /** Linear and convolution: FLOPs dominated by one matrix product with the weight. */
    boolean isMatrixProduct() {
        return this == LINEAR || this == CONV2D;
    }
}
