package dev.frost.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import dev.frost.FrostException;

import java.util.ArrayList;
import java.util.List;

/**
 * Factories for the standard layers, for any DJL block ({@link #custom}) and for layers made of sub-layers
 * ({@link #composite}, {@link #sequential}, {@link #residual}). Names contain no dots; top-level names are unique
 * within a model, sub-layer names within their composite.
 */
public final class Layers {
    private Layers() {}

    public static Layer linear(String name, long units) {
        requirePositive(name, "units", units);
        return new Layer(name, LayerKind.LINEAR, Linear.builder().setUnits(units).build());
    }

    /** 2-D convolution, square kernel, "same"-style padding given explicitly. */
    public static Layer conv2d(String name, int filters, int kernel, int stride, int padding) {
        return conv2d(name, filters, kernel, stride, padding, true);
    }

    /** 2-D convolution with or without a bias (torchvision's convolutions before BatchNorm have none). */
    public static Layer conv2d(String name, int filters, int kernel, int stride, int padding, boolean bias) {
        requirePositive(name, "filters", filters);
        requirePositive(name, "kernel", kernel);
        requirePositive(name, "stride", stride);
        return new Layer(name, LayerKind.CONV2D, Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(bias)
                .build());
    }

    /** BatchNorm over channel axis 1 (NCHW or NC); running statistics use PyTorch's momentum of 0.1. */
    public static Layer batchNorm(String name) {
        return new Layer(name, LayerKind.BATCH_NORM, BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build());
    }

    /** LayerNorm over the last axis. */
    public static Layer layerNorm(String name, float epsilon) {
        return new Layer(name, LayerKind.LAYER_NORM, LayerNorm.builder().axis(-1).optEpsilon(epsilon).build());
    }

    /**
     * {@code y = x * scale + shift} per feature of the last axis, with fixed constants (no parameters): e.g. inputs
     * standardized with a training set's mean and standard deviation ({@code scale = 1/std, shift = -mean/std}), or
     * a regression head's output mapped back to the targets' units.
     */
    public static Layer affine(String name, float[] scale, float[] shift) {
        return new Layer(name, LayerKind.CUSTOM, new AffineBlock(scale, shift), layer -> 2L * scale.length, List.of())
                .markDeterministic();
    }

    public static Layer relu(String name) {
        return new Layer(name, LayerKind.ACTIVATION, Activation.reluBlock());
    }

    /** GELU with the exact erf form. */
    public static Layer gelu(String name) {
        return new Layer(name, LayerKind.ACTIVATION, Activation.geluBlock());
    }

    public static Layer maxPool(String name, int kernel, int stride) {
        requirePositive(name, "kernel", kernel);
        return new Layer(name, LayerKind.POOL,
                Pool.maxPool2dBlock(new Shape(kernel, kernel), new Shape(stride, stride)));
    }

    /** Max pooling with implicit padding that never wins the max (PyTorch's {@code MaxPool2d(k, s, padding)}). */
    public static Layer maxPool(String name, int kernel, int stride, int padding) {
        requirePositive(name, "kernel", kernel);
        if (padding < 0 || 2 * padding > kernel) {
            throw new FrostException("layer '" + name + "': padding must be in [0, kernel / 2], got " + padding);
        }
        return new Layer(name, LayerKind.POOL, Pool.maxPool2dBlock(new Shape(kernel, kernel),
                new Shape(stride, stride), new Shape(padding, padding)));
    }

    public static Layer avgPool(String name, int kernel, int stride) {
        requirePositive(name, "kernel", kernel);
        return new Layer(name, LayerKind.POOL,
                Pool.avgPool2dBlock(new Shape(kernel, kernel), new Shape(stride, stride)));
    }

    /** Averages each channel over its spatial positions: (C, H, W) to (C). */
    public static Layer globalAvgPool(String name) {
        return new Layer(name, LayerKind.POOL, Pool.globalAvgPool2dBlock());
    }

    public static Layer dropout(String name, float rate) {
        if (!(rate >= 0f && rate < 1f)) {
            throw new FrostException("layer '" + name + "': dropout rate must be in [0, 1), got " + rate);
        }
        return new Layer(name, LayerKind.DROPOUT, Dropout.builder().optRate(rate).build());
    }

    public static Layer flatten(String name) {
        return new Layer(name, LayerKind.FLATTEN, Blocks.batchFlattenBlock());
    }

    /** Token embedding: integer ids (stored as floats or ints) to vectors of {@code dim}. */
    public static Layer embedding(String name, int vocabulary, int dim) {
        requirePositive(name, "vocabulary", vocabulary);
        requirePositive(name, "dim", dim);
        return new Layer(name, LayerKind.EMBEDDING, new EmbeddingBlock(vocabulary, dim));
    }

    /**
     * Any DJL block as a Frost layer, with Keras semantics for {@code trainable}. Its FLOPs are unknown: the summary
     * says so and compute accounting leaves the layer out (give a counter with the other overload).
     */
    public static Layer custom(String name, Block block) {
        return new Layer(name, LayerKind.CUSTOM, block, null, List.of());
    }

    /** Any DJL block as a Frost layer, with a per-example forward FLOP count for compute accounting. */
    public static Layer custom(String name, Block block, FlopCounter flops) {
        if (flops == null) {
            throw new FrostException("layer '" + name + "': the FLOP counter is null (use custom(name, block))");
        }
        return new Layer(name, LayerKind.CUSTOM, block, flops, List.of());
    }

    /**
     * Any DJL block as a Frost layer that also reads named side inputs carried by the batch (an attention mask,
     * token types): its block receives {@code (input, side1, side2, ...)}. {@code flops} may be null (unknown).
     */
    public static Layer custom(String name, Block block, FlopCounter flops, String... sideInputs) {
        return new Layer(name, LayerKind.CUSTOM, block, flops, List.of(sideInputs));
    }

    /**
     * A layer made of named sub-layers that {@code wiring} runs by name; each sub-layer keeps its own freeze state
     * and mode. {@code extraFlops} counts what the wiring computes itself (an add), or is null when it only routes.
     */
    public static Layer composite(String name, List<Layer> children, Wiring wiring, FlopCounter extraFlops) {
        return new Layer(name, LayerKind.COMPOSITE, children, wiring, extraFlops);
    }

    /** Sub-layers applied one after another, as one layer (a block of a larger model, a residual body). */
    public static Layer sequential(String name, Layer... children) {
        return sequential(name, List.of(children));
    }

    /** Sub-layers applied one after another, as one layer. */
    public static Layer sequential(String name, List<Layer> children) {
        List<String> order = children.stream().map(Layer::name).toList();
        return composite(name, children, (x, c) -> {
            NDArray h = x;
            for (String child : order) {
                h = c.run(child, h);
            }
            return h;
        }, null);
    }

    /**
     * A residual block {@code activation(body(x) + shortcut(x))}: sub-layers {@code body} (the body layers in
     * sequence), then the shortcut and the activation under their own names. A null shortcut is the identity (the
     * body must then keep the shape); give a projection, e.g. {@code sequential("shortcut", conv 1x1, batchNorm)},
     * when the shape changes. A null activation applies none. The add counts one FLOP per output element.
     */
    public static Layer residual(String name, List<Layer> body, Layer shortcut, Layer activation) {
        List<Layer> children = new ArrayList<>();
        children.add(sequential("body", body));
        if (shortcut != null) {
            children.add(shortcut);
        }
        if (activation != null) {
            children.add(activation);
        }
        return composite(name, children, (x, c) -> {
            NDArray y = c.run("body", x);
            NDArray s = shortcut == null ? x : c.run(shortcut.name(), x);
            if (!y.getShape().equals(s.getShape())) {
                throw new FrostException("residual layer '" + name + "': the body gives " + y.getShape().slice(1)
                        + " but the shortcut gives " + s.getShape().slice(1) + "; give a projection shortcut");
            }
            NDArray sum = y.add(s);
            return activation == null ? sum : c.run(activation.name(), sum);
        }, l -> l.outputShape().size());
    }

    /** A residual block with an identity shortcut and no activation after the add. */
    public static Layer residual(String name, Layer... body) {
        return residual(name, List.of(body), null, null);
    }

    private static void requirePositive(String layer, String what, long value) {
        if (value <= 0) {
            throw new FrostException("layer '" + layer + "': " + what + " must be positive, got " + value);
        }
    }
}
