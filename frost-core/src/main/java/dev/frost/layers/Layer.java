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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * A named layer with Keras semantics for {@code trainable}: a frozen layer's weights get no gradient and no update.
 * A layer either wraps one DJL block (a leaf) or is a composite of named sub-layers run by a {@link Wiring}.
 * Sub-layers and parameters are addressed by dotted paths relative to the layer ({@code body.conv1},
 * {@code body.conv1.bias}). Shapes are per example (no batch axis).
 *
 * <p>Freeze state lives on leaves: a flag, plus parameters frozen on their own while the flag is on. A composite's
 * {@code setTrainable} sets every leaf below it, and it counts as trainable while anything below it is.
 */
public final class Layer {
    private final String name;
    private final LayerKind kind;
    private final Block block;
    private final Composite composite;
    private final FlopCounter flopCounter;
    private final List<String> sideInputs;
    private final Set<String> frozenParameters = new LinkedHashSet<>();
    /** Parameters of type OTHER declared without a gradient: constants of a user's block, never trained. */
    private final Set<Parameter> constants = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private boolean trainable = true;
    private boolean deterministic;
    private Shape inputShape;
    private Shape outputShape;
    private long forwardFlops;

    Layer(String name, LayerKind kind, Block block) {
        this(name, kind, block, null, List.of());
    }

    Layer(String name, LayerKind kind, Block block, FlopCounter flopCounter, List<String> sideInputs) {
        checkName(name);
        if (block == null) {
            throw new FrostException("layer '" + name + "': the block is null");
        }
        this.name = name;
        this.kind = kind;
        this.block = block;
        this.composite = null;
        this.flopCounter = flopCounter;
        this.sideInputs = List.copyOf(sideInputs);
    }

    /**
     * A composite ({@link LayerKind#COMPOSITE}, or {@link LayerKind#LORA} so the summary tells it apart);
     * {@code extraFlops} counts what the wiring computes besides its children (null: nothing).
     */
    Layer(String name, LayerKind kind, List<Layer> children, Wiring wiring, FlopCounter extraFlops) {
        checkName(name);
        this.name = name;
        this.kind = kind;
        this.block = null;
        this.composite = new Composite(name, children, wiring);
        this.flopCounter = extraFlops;
        Set<String> side = new LinkedHashSet<>();
        children.forEach(c -> side.addAll(c.sideInputs()));
        this.sideInputs = List.copyOf(side);
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new FrostException("invalid layer name '" + name + "': use a non-empty name without dots");
        }
    }

    public String name() {
        return name;
    }

    public LayerKind kind() {
        return kind;
    }

    /** The wrapped DJL block, for code that needs the engine-level object; a composite has none. */
    public Block block() {
        if (composite != null) {
            throw new FrostException("layer '" + name + "' is a composite of sub-layers and wraps no single DJL"
                    + " block: use sublayer(path).block()");
        }
        return block;
    }

    public boolean isComposite() {
        return composite != null;
    }

    /** Direct sub-layers, in order; empty for a leaf. */
    public List<Layer> children() {
        return composite == null ? List.of() : composite.children();
    }

    /** The sub-layer at a dotted path relative to this layer ({@code "body.conv1"}). */
    public Layer sublayer(String path) {
        if (composite == null) {
            throw new FrostException("layer '" + name + "' has no sub-layer '" + path + "': it wraps one DJL block");
        }
        int dot = path.indexOf('.');
        Layer c = composite.child(dot < 0 ? path : path.substring(0, dot));
        return dot < 0 ? c : c.sublayer(path.substring(dot + 1));
    }

    /** Puts {@code replacement} where the direct sub-layer of the same name was (LoRA wrapping a nested Linear). */
    void replaceChild(Layer replacement) {
        composite.replace(replacement);
        recountFlops();
    }

    /** Recomputes this layer's FLOPs after a sub-layer below it was replaced. */
    void recountFlops() {
        this.forwardFlops = Flops.count(this, flopCounter);
    }

    /** This layer under its name and every sub-layer under {@code name.path}, parents before their children. */
    public Map<String, Layer> tree() {
        Map<String, Layer> out = new LinkedHashMap<>();
        out.put(name, this);
        for (Layer c : children()) {
            c.tree().forEach((p, l) -> out.put(name + "." + p, l));
        }
        return out;
    }

    /**
     * What this leaf computes apart from its weights: its kind, its block's class and, for blocks whose settings
     * hold no tensor, those settings (a lambda block's name, ReLU or GELU; an affine layer's constants). Activation
     * caches key their rows with it, so rows written by a different prefix are not served.
     */
    public String signature() {
        if (block == null) {
            return kind.toString();
        }
        String settings = "";
        if (block instanceof ai.djl.nn.LambdaBlock lambda) {
            settings = "(" + lambda.getName() + ")";
        } else if (block instanceof AffineBlock affine) {
            settings = "(" + Integer.toHexString(java.util.Arrays.hashCode(affine.scale())) + ","
                    + Integer.toHexString(java.util.Arrays.hashCode(affine.shift())) + ")";
        }
        return kind + ":" + block.getClass().getName() + settings;
    }

    /** The layers below (or at) this one that wrap a DJL block; just this layer for a leaf. */
    public List<Layer> leaves() {
        return tree().values().stream().filter(l -> !l.isComposite()).toList();
    }

    /** True while anything in this layer is trainable (a parameter-less leaf: its own flag). */
    public boolean isTrainable() {
        if (composite != null) {
            return children().stream().anyMatch(Layer::isTrainable);
        }
        return trainable && (frozenParameters.isEmpty() || !frozenParameters.containsAll(ownLearnableNames()));
    }

    /**
     * Declares that this custom layer computes the same output for the same input in training mode as in inference
     * (no dropout, no noise), so an unfrozen one may sit in a cached frozen prefix (a pooling, a fixed scaling).
     */
    public Layer markDeterministic() {
        this.deterministic = true;
        return this;
    }

    /** Whether {@link #markDeterministic()} declared this layer's output free of randomness. */
    public boolean isDeterministic() {
        return deterministic;
    }

    /**
     * Sets the Keras-style flag on this layer and, for a composite, on every sub-layer below it; parameters frozen
     * on their own follow too. The model re-applies gradient requirements on its next step; a standalone layer
     * applies them at once.
     */
    public Layer setTrainable(boolean trainable) {
        if (composite != null) {
            children().forEach(c -> c.setTrainable(trainable));
            return this;
        }
        this.trainable = trainable;
        frozenParameters.clear();
        applyOwnFreezeState();
        return this;
    }

    /** Whether the learnable parameter at {@code path} ({@code "bias"}, {@code "body.conv1.bias"}) is trainable. */
    public boolean isParameterTrainable(String path) {
        Owned o = ownerOf(path);
        return o.leaf().trainable && !o.leaf().frozenParameters.contains(o.local());
    }

    /**
     * Freezes or unfreezes one learnable parameter, leaving the rest of its layer as it is. A frozen parameter gets
     * no gradient, no update and no optimizer state, like a frozen layer's.
     */
    public Layer setParameterTrainable(String path, boolean trainable) {
        Owned o = ownerOf(path);
        Layer leaf = o.leaf();
        if (trainable) {
            if (!leaf.trainable) {
                leaf.trainable = true;
                leaf.frozenParameters.addAll(leaf.ownLearnableNames());
            }
            leaf.frozenParameters.remove(o.local());
        } else if (leaf.trainable) {
            leaf.frozenParameters.add(o.local());
        }
        leaf.applyOwnFreezeState();
        return this;
    }

    private record Owned(Layer leaf, String local) {}

    /** The leaf that owns the learnable parameter at {@code path}, and the parameter's name there. */
    private Owned ownerOf(String path) {
        Map<String, Parameter> learnable = learnableParameters();
        if (!learnable.containsKey(path)) {
            throw new FrostException("layer '" + name + "' has no learnable parameter '" + path
                    + "'; its learnable parameters are: " + String.join(", ", learnable.keySet()));
        }
        Layer l = this;
        String rest = path;
        while (l.composite != null) {
            int dot = rest.indexOf('.');
            l = l.composite.child(rest.substring(0, dot));
            rest = rest.substring(dot + 1);
        }
        return new Owned(l, rest);
    }

    private List<String> ownLearnableNames() {
        List<String> out = new ArrayList<>();
        for (var pair : block.getParameters()) {
            if (isLearnable(pair.getValue())) {
                out.add(pair.getKey());
            }
        }
        return out;
    }

    private void applyOwnFreezeState() {
        if (isInitialized()) {
            applyGradientRequirement(Layer::isParameterTrainable);
        }
    }

    /**
     * Names of the side inputs this layer (or any sub-layer) reads from the batch (an attention mask, token types),
     * passed to a leaf's block after the main input, in this order.
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
        if (composite != null) {
            this.outputShape = composite.initialize(manager, exampleInputShape, sideInputShapes);
        } else {
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
            for (var pair : block.getParameters()) {
                Parameter.Type t = pair.getValue().getType();
                if ((t == null || t == Parameter.Type.OTHER) && !pair.getValue().requiresGradient()) {
                    constants.add(pair.getValue());
                }
            }
            this.outputShape = block.getOutputShapes(shapes)[0].slice(1);
            if (kind == LayerKind.CUSTOM) {
                DeclaredShapes.check(name, block, manager, shapes, outputShape);
            }
        }
        this.inputShape = exampleInputShape;
        this.forwardFlops = Flops.count(this, flopCounter);
        applyOwnFreezeState();
        return this;
    }

    public boolean isInitialized() {
        return inputShape != null;
    }

    /** Runs the layer; {@code training} is the mode of this layer and of every sub-layer. */
    public NDArray forward(ParameterStore store, NDArray input, boolean training) {
        return forward(store, input, Map.of(), l -> training);
    }

    /** Runs the layer on the main input and the side inputs it declares, taken from {@code side} by name. */
    public NDArray forward(ParameterStore store, NDArray input, Map<String, NDArray> side, boolean training) {
        return forward(store, input, side, l -> training);
    }

    /**
     * Runs the layer; {@code training} gives each leaf its own mode (dropout on, BatchNorm statistics updated), so
     * sub-layers of one composite may run in different modes.
     */
    public NDArray forward(ParameterStore store, NDArray input, Map<String, NDArray> side,
                           Predicate<Layer> training) {
        if (composite != null) {
            return composite.forward(store, input, side, training);
        }
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
        return block.forward(store, in, training.test(this)).singletonOrThrow();
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
     * counter, or a composite holding one), which {@link #hasKnownFlops()} tells apart.
     */
    public long forwardFlops() {
        requireInitialized();
        return Math.max(0, forwardFlops);
    }

    /** False for a custom layer given no FLOP counter: accounting leaves it out and the summary says "unknown". */
    public boolean hasKnownFlops() {
        requireInitialized();
        return forwardFlops != Flops.UNKNOWN;
    }

    /** Parameters that gradient descent may change (weights, biases, gamma, beta), by path. */
    public Map<String, Parameter> learnableParameters() {
        return learnableParameters((leaf, p) -> true);
    }

    /** Learnable parameters, by path, for which {@code filter} holds given the owning leaf and its local name. */
    public Map<String, Parameter> learnableParameters(BiPredicate<Layer, String> filter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", true, filter, out);
        return out;
    }

    /** Every stored tensor, learnable or not (BatchNorm running statistics too), by path. */
    public Map<String, Parameter> allParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", false, (leaf, p) -> true, out);
        return out;
    }

    private void collect(String prefix, boolean learnableOnly, BiPredicate<Layer, String> filter,
                         Map<String, Parameter> out) {
        for (Layer c : children()) {
            c.collect(prefix + c.name + ".", learnableOnly, filter, out);
        }
        if (block != null) {
            for (var pair : block.getParameters()) {
                if ((!learnableOnly || isLearnable(pair.getValue())) && filter.test(this, pair.getKey())) {
                    out.put(prefix + pair.getKey(), pair.getValue());
                }
            }
        }
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
        return learnableParameters().values().stream().filter(Parameter::requiresGradient).toList();
    }

    /**
     * Sets requires-gradient on each learnable parameter (nested ones too) as {@code trainable} says for its owning
     * leaf and local name. DJL's blanket {@code freezeParameters(false)} would also mark BatchNorm running statistics
     * as requiring gradients, so only learnable parameters are touched.
     */
    public void applyGradientRequirement(BiPredicate<Layer, String> trainable) {
        Set<Parameter> live = new HashSet<>(learnableParameters(trainable).values());
        for (Parameter p : learnableParameters().values()) {
            boolean requiresGrad = live.contains(p);
            if (p.requiresGradient() != requiresGrad) {
                p.freeze(!requiresGrad);
            }
        }
    }

    /** Everything but BatchNorm's running statistics and declared constants, as DJL's own trainers see it. */
    private boolean isLearnable(Parameter p) {
        Parameter.Type t = p.getType();
        return t == Parameter.Type.WEIGHT || t == Parameter.Type.BIAS || t == Parameter.Type.GAMMA
                || t == Parameter.Type.BETA || (t == null || t == Parameter.Type.OTHER) && !constants.contains(p);
    }

    private void requireInitialized() {
        if (inputShape == null) {
            throw new FrostException("layer '" + name + "' is not initialized: build it into a model or call initialize");
        }
    }

    @Override
    public String toString() {
        String state = !isTrainable() ? ", frozen"
                : learnableParameters((leaf, p) -> !leaf.isParameterTrainable(p)).isEmpty() ? "" : ", partly frozen";
        return name + "(" + kind + state + ")";
    }
}
