package dev.frost.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.frost.FrostException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named layer around one DJL block, with Keras semantics for {@code trainable}: a frozen layer's weights get no
 * gradient and no update. Shapes are per example (no batch axis).
 */
public final class Layer {
    private static final long UNKNOWN_FLOPS = -1;
    private final String name;
    private final LayerKind kind;
    private final Block block;
    private final FlopCounter flopCounter;
    private final List<String> sideInputs;
    private boolean trainable = true;
    private Shape inputShape;
    private Shape outputShape;
    private long forwardFlops;

    Layer(String name, LayerKind kind, Block block) {
        this(name, kind, block, null, List.of());
    }

    Layer(String name, LayerKind kind, Block block, FlopCounter flopCounter, List<String> sideInputs) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new FrostException("invalid layer name '" + name + "': use a non-empty name without dots");
        }
        this.name = name;
        this.kind = kind;
        this.block = block;
        this.flopCounter = flopCounter;
        this.sideInputs = List.copyOf(sideInputs);
        if (block == null) {
            throw new FrostException("layer '" + name + "': the block is null");
        }
    }

    public String name() {
        return name;
    }

    public LayerKind kind() {
        return kind;
    }

    /** The wrapped DJL block, for code that needs the engine-level object. */
    public Block block() {
        return block;
    }

    public boolean isTrainable() {
        return trainable;
    }

    /**
     * Sets the Keras-style flag. The model re-applies gradient requirements on its next step; a standalone layer
     * applies them at once.
     */
    public Layer setTrainable(boolean trainable) {
        this.trainable = trainable;
        if (inputShape != null) {
            applyGradientRequirement(trainable);
        }
        return this;
    }

    /**
     * Names of the side inputs this layer reads from the batch (an attention mask, token types), passed to its block
     * after the main input, in this order.
     */
    public List<String> sideInputs() {
        return sideInputs;
    }

    /** Initializes the parameters for inputs of the given per-example shape; returns this layer. */
    public Layer initialize(NDManager manager, Shape exampleInputShape) {
        return initialize(manager, exampleInputShape, Map.of());
    }

    /** Initializes the parameters for the main input's and the side inputs' per-example shapes. */
    public Layer initialize(NDManager manager, Shape exampleInputShape, Map<String, Shape> sideInputShapes) {
        Shape[] shapes = new Shape[1 + sideInputs.size()];
        shapes[0] = new Shape(1).addAll(exampleInputShape);
        for (int i = 0; i < sideInputs.size(); i++) {
            Shape side = sideInputShapes.get(sideInputs.get(i));
            if (side == null) {
                throw new FrostException("layer '" + name + "' reads side input '" + sideInputs.get(i)
                        + "' but the model declares none of that name (FrostModel.Builder.addSideInput)");
            }
            shapes[i + 1] = new Shape(1).addAll(side);
        }
        block.initialize(manager, DataType.FLOAT32, shapes);
        Shape out = block.getOutputShapes(shapes)[0];
        this.inputShape = exampleInputShape;
        this.outputShape = out.slice(1);
        this.forwardFlops = kind != LayerKind.CUSTOM ? Flops.forward(this)
                : flopCounter == null ? UNKNOWN_FLOPS : flopCounter.forwardFlops(this);
        applyGradientRequirement(trainable);
        return this;
    }

    public boolean isInitialized() {
        return inputShape != null;
    }

    /** Runs the block; {@code training} is this layer's own mode (dropout on, BatchNorm statistics updated). */
    public NDArray forward(ParameterStore store, NDArray input, boolean training) {
        return forward(store, input, Map.of(), training);
    }

    /** Runs the block on the main input and the side inputs it declares, taken from {@code side} by name. */
    public NDArray forward(ParameterStore store, NDArray input, Map<String, NDArray> side, boolean training) {
        NDList in = new NDList(1 + sideInputs.size());
        in.add(input);
        for (String s : sideInputs) {
            NDArray a = side.get(s);
            if (a == null) {
                throw new FrostException("layer '" + name + "' needs side input '" + s + "', which the batch does"
                        + " not carry (the dataset's side inputs: " + side.keySet() + ")");
            }
            in.add(a);
        }
        return block.forward(store, in, training).singletonOrThrow();
    }

    public Shape inputShape() {
        requireInitialized();
        return inputShape;
    }

    public Shape outputShape() {
        requireInitialized();
        return outputShape;
    }

    /**
     * Forward FLOPs for one example (multiply and add counted as two); 0 when unknown (a custom layer without a
     * counter), which {@link #hasKnownFlops()} tells apart.
     */
    public long forwardFlops() {
        requireInitialized();
        return Math.max(0, forwardFlops);
    }

    /** False for a custom layer given no FLOP counter: accounting leaves it out and the summary says "unknown". */
    public boolean hasKnownFlops() {
        requireInitialized();
        return forwardFlops != UNKNOWN_FLOPS;
    }

    /** Parameters that gradient descent may change (weights, biases, gamma, beta), by local name. */
    public Map<String, Parameter> learnableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (var pair : block.getParameters()) {
            if (isLearnable(pair.getValue())) {
                out.put(pair.getKey(), pair.getValue());
            }
        }
        return out;
    }

    /** Every stored tensor, learnable or not (BatchNorm running statistics too), by local name. */
    public Map<String, Parameter> allParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (var pair : block.getParameters()) {
            out.put(pair.getKey(), pair.getValue());
        }
        return out;
    }

    public boolean hasLearnableParameters() {
        return !learnableParameters().isEmpty();
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : learnableParameters().values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /** Learnable parameters whose arrays currently require a gradient. */
    public List<Parameter> parametersRequiringGrad() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : learnableParameters().values()) {
            if (p.requiresGradient()) {
                out.add(p);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Sets requires-gradient on learnable parameters only. DJL's blanket {@code freezeParameters(false)} would also
     * mark BatchNorm running statistics as requiring gradients, so the filter by type matters.
     */
    public void applyGradientRequirement(boolean requiresGrad) {
        for (Parameter p : learnableParameters().values()) {
            if (p.requiresGradient() != requiresGrad) {
                p.freeze(!requiresGrad);
            }
        }
    }

    private static boolean isLearnable(Parameter p) {
        Parameter.Type t = p.getType();
        return t == Parameter.Type.WEIGHT || t == Parameter.Type.BIAS
                || t == Parameter.Type.GAMMA || t == Parameter.Type.BETA;
    }

    private void requireInitialized() {
        if (inputShape == null) {
            throw new FrostException("layer '" + name + "' is not initialized: build it into a model or call initialize");
        }
    }

    @Override
    public String toString() {
        return name + "(" + kind + (trainable ? "" : ", frozen") + ")";
    }
}
