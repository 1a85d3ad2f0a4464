package dev.frost.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;
import dev.frost.engine.Scoped;
import dev.frost.engine.SmallBatches;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.grad.GradientSwitch;
import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.data.Dataset;
import dev.frost.layers.Layer;
import dev.frost.loss.Losses;
import dev.frost.metric.Evaluation;
import dev.frost.metric.Metric;
import dev.frost.metric.Metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A feed-forward model as layer groups. Freeze state lives on the layers and may change between any two steps; the
 * trainer re-applies it to the engine before each step, so nothing is rebuilt.
 *
 * <p>Not thread-safe. While a fit runs, change the freeze state and read or predict from the training thread (a
 * {@link dev.frost.train.Callback}): {@code setTrainable} takes effect at once, and a prediction from another thread
 * can see weights halfway through an update. Separate models may train on separate threads.
 */
public final class FrostModel implements AutoCloseable {
    private final NDManager manager;
    private final ParameterStore store;
    private final Shape inputShape;
    private final Map<String, Shape> sideInputShapes;
    private final List<LayerGroup> groups;
    private final List<Layer> layers;
    private final Map<String, Layer> byName;
    private final Map<Layer, LayerGroup> groupOf;
    private boolean trainBn;

    private FrostModel(NDManager manager, Shape inputShape, Map<String, Shape> sideInputShapes,
                       List<LayerGroup> groups) {
        this.manager = manager;
        this.store = new ParameterStore(manager, false);
        this.inputShape = inputShape;
        this.sideInputShapes = Collections.unmodifiableMap(new LinkedHashMap<>(sideInputShapes));
        this.groups = List.copyOf(groups);
        List<Layer> flat = new ArrayList<>();
        Map<String, Layer> names = new LinkedHashMap<>();
        Map<Layer, LayerGroup> owners = new LinkedHashMap<>();
        Set<Layer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LayerGroup g : groups) {
            for (Layer l : g.layers()) {
                if (names.put(l.name(), l) != null) {
                    throw new FrostException("duplicate layer name '" + l.name() + "': layer names must be unique");
                }
                l.tree().forEach((path, sub) -> {
                    if (!seen.add(sub)) {
                        throw new FrostException("layer '" + path + "' appears twice in the model: give each place"
                                + " its own layer object");
                    }
                });
                owners.put(l, g);
                flat.add(l);
            }
        }
        this.layers = Collections.unmodifiableList(flat);
        this.byName = Collections.unmodifiableMap(names);
        this.groupOf = owners;
    }

    public static Builder builder(Shape exampleInputShape) {
        return new Builder(exampleInputShape);
    }

    /** Adds groups in order; {@link #build()} initializes every layer with shapes inferred from the input. */
    public static final class Builder {
        private final Shape inputShape;
        private final List<String> groupNames = new ArrayList<>();
        private final List<List<Layer>> groupLayers = new ArrayList<>();
        private final Map<String, Shape> sideInputs = new LinkedHashMap<>();
        private long seed = 42;
        private NDManager manager;

        private Builder(Shape inputShape) {
            this.inputShape = inputShape;
        }

        public Builder addGroup(String name, Layer... layers) {
            return addGroup(name, List.of(layers));
        }

        public Builder addGroup(String name, List<Layer> layers) {
            if (name == null || name.isBlank() || layers == null || layers.stream().anyMatch(l -> l == null)) {
                throw new FrostException("a group needs a name and layers, got name " + name + " and layers "
                        + layers);
            }
            if (groupNames.contains(name)) {
                throw new FrostException("duplicate group name '" + name + "'");
            }
            groupNames.add(name);
            groupLayers.add(List.copyOf(layers));
            return this;
        }

        /**
         * Declares a side input the batches carry besides the main input (per-example shape), for layers that read
         * it by name ({@code Layers.custom(name, block, flops, sideInputs...)}).
         */
        public Builder addSideInput(String name, Shape exampleShape) {
            if (sideInputs.put(name, exampleShape) != null) {
                throw new FrostException("duplicate side input '" + name + "'");
            }
            return this;
        }

        /** Seed for weight initialization. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Manager that will own the parameters; by default a fresh root manager. */
        public Builder optManager(NDManager manager) {
            this.manager = manager;
            return this;
        }

        public FrostModel build() {
            if (groupNames.isEmpty()) {
                throw new FrostException("a model needs at least one layer group");
            }
            List<LayerGroup> groups = new ArrayList<>();
            for (int i = 0; i < groupNames.size(); i++) {
                groups.add(new LayerGroup(groupNames.get(i), groupLayers.get(i)));
            }
            NDManager m = manager != null ? manager : FrostEngine.newManager();
            FrostModel model = new FrostModel(m, inputShape, sideInputs, groups);
            // initializers draw from libtorch's process-wide generator: seed and draw without another thread between
            return Autograd.exclusiveStep(() -> {
                FrostEngine.seed(seed);
                Shape shape = inputShape;
                for (Layer layer : model.layers) {
                    if (!layer.isInitialized()) {
                        layer.initialize(m, shape, sideInputs);
                    } else if (!layer.inputShape().equals(shape)) {
                        throw new FrostException("layer '" + layer.name() + "' expects input " + layer.inputShape()
                                + " but the layer before it produces " + shape);
                    }
                    shape = layer.outputShape();
                }
                return model;
            });
        }
    }

    public NDManager manager() {
        return manager;
    }

    public Shape inputShape() {
        return inputShape;
    }

    public Shape outputShape() {
        return layers.get(layers.size() - 1).outputShape();
    }

    public List<LayerGroup> groups() {
        return groups;
    }

    /** Side inputs the model's layers read from each batch, with their per-example shapes. */
    public Map<String, Shape> sideInputShapes() {
        return sideInputShapes;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** Group by index; negative counts from the end. */
    public LayerGroup group(int index) {
        int i = index < 0 ? index + groups.size() : index;
        if (i < 0 || i >= groups.size()) {
            throw new FrostException("group index " + index + " is out of range: the model has " + groups.size()
                    + " groups (use " + (-groups.size()) + ".." + (groups.size() - 1) + ")");
        }
        return groups.get(i);
    }

    public LayerGroup group(String name) {
        for (LayerGroup g : groups) {
            if (g.name().equals(name)) {
                return g;
            }
        }
        throw new FrostException("unknown group '" + name + "'; groups are: "
                + groups.stream().map(LayerGroup::name).collect(Collectors.joining(", ")));
    }

    public Layer layer(String name) {
        Layer l = byName.get(name);
        if (l == null) {
            throw new FrostException("unknown layer '" + name + "'; layers are: " + String.join(", ", byName.keySet()));
        }
        return l;
    }

    public LayerGroup groupOf(Layer layer) {
        return groupOf.get(layer);
    }

    public int indexOf(Layer layer) {
        return layers.indexOf(layer);
    }

    /** fastai's {@code freeze()}: every group but the last is frozen. */
    public FrostModel freeze() {
        return freezeTo(-1);
    }

    /** fastai's {@code unfreeze()}: everything trainable. */
    public FrostModel unfreeze() {
        return freezeTo(0);
    }

    /** Groups before {@code n} are frozen, the rest trainable; negative {@code n} counts from the end. */
    public FrostModel freezeTo(int n) {
        int g = groups.size();
        int k = n < 0 ? n + g : n;
        if (k < 0 || k > g) {
            throw new FrostException("freezeTo(" + n + ") is out of range: the model has " + g + " groups (use "
                    + (-g) + ".." + g + ")");
        }
        for (int i = 0; i < g; i++) {
            groups.get(i).setTrainable(i >= k);
        }
        return this;
    }

    /** Number of leading groups that are entirely frozen. */
    public int frozenGroupCount() {
        int n = 0;
        while (n < groups.size() && groups.get(n).isFrozen()) {
            n++;
        }
        return n;
    }

    /**
     * fastai's {@code train_bn}: BatchNorm layers inside frozen groups stay trainable and keep updating their running
     * statistics. Off by default (Keras semantics: a frozen BatchNorm is in inference mode).
     */
    public FrostModel setTrainBn(boolean trainBn) {
        this.trainBn = trainBn;
        return this;
    }

    public boolean isTrainBn() {
        return trainBn;
    }

    /** Pushes the current freeze state to the engine's requires-gradient flags (switches 1 and 3). */
    public void applyFreezeState() {
        GradientSwitch.apply(layers, trainBn);
    }

    /** Length of the leading run of layers with nothing to train: executed without autograd. */
    public int frozenPrefixLength() {
        return GradientSwitch.frozenPrefixLength(layers, trainBn);
    }

    /** Inference over the whole model (BatchNorm uses running statistics, dropout is off). */
    public NDArray predict(NDArray input) {
        return predict(input, Map.of());
    }

    /** Inference over the whole model on a batch with side inputs. */
    public NDArray predict(NDArray input, Map<String, NDArray> side) {
        return runWithoutGraph(input, side, false, 0, layers.size());
    }

    /**
     * Runs layers {@code [from, to)}. {@code training} is the global mode; each leaf layer's own mode (sub-layers of
     * composites too) comes from the normalization switch (frozen layers run in inference mode unless
     * {@code trainBn} keeps BatchNorm live).
     */
    public NDArray forward(NDArray input, boolean training, int from, int to) {
        return forward(input, Map.of(), training, from, to);
    }

    /** Like {@link #forward(NDArray, boolean, int, int)}, with the batch's side inputs by name. */
    public NDArray forward(NDArray input, Map<String, NDArray> side, boolean training, int from, int to) {
        return forward(store, input, side, training, from, to);
    }

    /**
     * Like {@link #forward(NDArray, Map, boolean, int, int)}, reading parameter values through {@code values}
     * (e.g. a store that substitutes copies for some parameters, so their gradients land on the copies).
     */
    public NDArray forward(ParameterStore values, NDArray input, Map<String, NDArray> side, boolean training,
                           int from, int to) {
        if (from < 0 || to > layers.size() || from > to) {
            throw new FrostException("layer range [" + from + ", " + to + ") is outside 0.." + layers.size());
        }
        if (from == 0) {
            checkInputShape(input.getShape());
        }
        // Each layer's intermediates are freed when it returns, and each layer's input once the next has read it
        // (all but the caller's own input).
        NDArray h = input;
        for (int i = from; i < to; i++) {
            Layer layer = layers.get(i);
            h = Scoped.apply(h, h != input, x -> layer.forward(values, x, side,
                    leaf -> NormalizationSwitch.layerTraining(leaf, training, trainBn)));
        }
        return h;
    }

    /**
     * Runs layers {@code [from, to)} without recording autograd, in training mode (frozen layers run in inference):
     * how switch 1 executes a frozen prefix, so the backward pass never enters it.
     */
    public NDArray runFrozen(NDArray input, int from, int to) {
        return runFrozen(input, Map.of(), from, to);
    }

    /**
     * Like {@link #runFrozen(NDArray, int, int)}, with the batch's side inputs by name. A batch of fewer than
     * {@link SmallBatches#MIN_ROWS} rows is padded, so an example's output does not depend on its batch's size.
     */
    public NDArray runFrozen(NDArray input, Map<String, NDArray> side, int from, int to) {
        if (input.getShape().get(0) < SmallBatches.MIN_ROWS && rowsIndependent(from, to)) {
            return SmallBatches.padded(input, side, (x, s) -> runWithoutGraph(x, s, true, from, to));
        }
        return runWithoutGraph(input, side, true, from, to); // which also rejects a range outside the model
    }

    /** Whether no layer in {@code [from, to)} trains, so none uses batch statistics (live BatchNorm). */
    private boolean rowsIndependent(int from, int to) {
        for (int i = Math.max(0, from); i < Math.min(to, layers.size()); i++) {
            if (NormalizationSwitch.effectiveTrainable(layers.get(i), trainBn)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs layers {@code [from, to)} without recording autograd; each layer's intermediates (and its input, unless
     * it is {@code input}) are freed as soon as the layer returns, as in {@link #forward}. The result belongs to
     * {@code input}'s manager.
     */
    public NDArray runWithoutGraph(NDArray input, Map<String, NDArray> side, boolean training, int from, int to) {
        return Autograd.withoutRecording(() -> forward(input, side, training, from, to));
    }

    private void checkInputShape(Shape batched) {
        Shape example = batched.slice(1);
        if (!example.equals(inputShape)) {
            throw new FrostException("input shape " + batched + " does not match the model: expected (batch, "
                    + inputShape.toString().replaceAll("[()]", "") + ")");
        }
    }

    /** Forward FLOPs per example of layers {@code [from, to)}. */
    public long forwardFlops(int from, int to) {
        long f = 0;
        for (int i = from; i < to; i++) {
            f += layers.get(i).forwardFlops();
        }
        return f;
    }

    /** Learnable parameters by qualified name {@code layer.param} ({@code layer.child.param} in a composite). */
    public Map<String, Parameter> learnableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Layer l : layers) {
            l.learnableParameters().forEach((k, v) -> out.put(l.name() + "." + k, v));
        }
        return out;
    }

    /** Every stored tensor by qualified name, BatchNorm running statistics included: what a checkpoint holds. */
    public Map<String, Parameter> stateTensors() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Layer l : layers) {
            l.allParameters().forEach((k, v) -> out.put(l.name() + "." + k, v));
        }
        return out;
    }

    /** Names of top-level layers with nothing trainable in them. */
    public Set<String> frozenLayerNames() {
        Set<String> out = new LinkedHashSet<>();
        for (Layer l : layers) {
            if (!l.isTrainable()) {
                out.add(l.name());
            }
        }
        return out;
    }

    /**
     * The exact freeze state as qualified paths: leaf layers at any depth that are frozen, and single parameters
     * frozen inside otherwise trainable layers. {@link #setFrozenPaths} restores it.
     */
    public Set<String> frozenPaths() {
        return FrozenPaths.of(layers);
    }

    /**
     * Makes everything trainable except the given qualified paths, each a layer at any depth ({@code res1},
     * {@code res1.body.conv1}) or a learnable parameter ({@code fc1.bias}).
     */
    /** Throws, naming the path, when one of {@code paths} is no layer or parameter of this model; changes nothing. */
    public void checkFrozenPaths(Collection<String> paths) {
        FrozenPaths.check(this, paths);
    }

    public FrostModel setFrozenPaths(Collection<String> paths) {
        FrozenPaths.restore(this, paths);
        return this;
    }

    /**
     * Mean loss and metrics on {@code data} without a trainer or optimizer (loss and metrics default to the data's
     * label kind: cross-entropy and accuracy for classes, BCE/accuracy/F1 for multi-label, MSE/MAE/RMSE for targets).
     */
    public Evaluation evaluate(Dataset data, Metric... metrics) {
        List<Metric> ms = metrics.length == 0 ? Metrics.defaultsFor(data.labelKind()) : List.of(metrics);
        return Inference.evaluate(this, data, Losses.defaultFor(data.labelKind()), ms, 256, 2, 0, null);
    }

    /** Outputs for every example of {@code data}, in dataset order ({@code [size][outputs]}), in inference mode. */
    public float[][] predict(Dataset data) {
        return Inference.predict(this, data, 256);
    }

    public ModelSummary summary() {
        return ModelSummary.of(this);
    }

    @Override
    public void close() {
        manager.close();
    }
}
