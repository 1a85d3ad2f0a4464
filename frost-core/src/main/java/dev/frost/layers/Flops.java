package dev.frost.layers;

import ai.djl.nn.Parameter;

/**
 * Per-example FLOP counts. Backward of a layer splits into the input gradient (about one forward) and the weight
 * gradient (about one forward for matrix products); freezing removes the second, and a frozen prefix removes both.
 */
public final class Flops {
    static final long UNKNOWN = -1;

    private Flops() {}

    /**
     * Forward FLOPs of a layer just initialized: derived from its kind, given by the counter of a custom layer, or
     * for a composite its children's sum plus what the counter says its wiring adds. {@link #UNKNOWN} for a custom
     * layer without a counter and for a composite holding one.
     */
    static long count(Layer layer, FlopCounter counter) {
        if (layer.isComposite()) {
            long sum = counter == null ? 0 : counter.forwardFlops(layer);
            for (Layer c : layer.children()) {
                if (!c.hasKnownFlops()) {
                    return UNKNOWN;
                }
                sum += c.forwardFlops();
            }
            return sum;
        }
        if (layer.kind() == LayerKind.CUSTOM) {
            return counter == null ? UNKNOWN : counter.forwardFlops(layer);
        }
        return forward(layer);
    }

    private static long forward(Layer layer) {
        long in = layer.inputShape().size();
        long out = layer.outputShape().size();
        switch (layer.kind()) {
            case LINEAR:
            case CONV2D: {
                Parameter w = layer.learnableParameters().get("weight");
                long outChannels = w.getShape().get(0);
                long positions = out / outChannels;
                return 2L * w.getShape().size() * positions;
            }
            case BATCH_NORM:
            case LAYER_NORM:
                return 5L * out;
            case ACTIVATION:
            case DROPOUT:
                return out;
            case POOL:
                return in;
            case EMBEDDING:
            case FLATTEN:
            default:
                return 0L;
        }
    }

    /** Backward FLOPs to produce the gradient with respect to the layer's input. */
    public static long inputGradient(Layer layer) {
        return layer.kind() == LayerKind.EMBEDDING ? 0L : layer.forwardFlops();
    }

    /** Backward FLOPs to produce the gradients of the layer's own weights (a composite: of all its leaves'). */
    public static long weightGradient(Layer layer) {
        if (layer.isComposite()) {
            return layer.leaves().stream().mapToLong(Flops::weightGradient).sum();
        }
        if (!layer.hasLearnableParameters()) {
            return 0L;
        }
        return layer.kind().isMatrixProduct() ? layer.forwardFlops() : layer.outputShape().size() * 2L;
    }
}
