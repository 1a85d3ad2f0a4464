package dev.frost.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;
import dev.frost.engine.Scoped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The children and wiring of a composite layer. Children are separate layers, not one DJL block, so that each runs
 * in its own mode and carries its own freeze state.
 */
final class Composite {
    private final String owner;
    private final Map<String, Layer> children = new LinkedHashMap<>();
    private final Wiring wiring;

    Composite(String owner, List<Layer> children, Wiring wiring) {
        this.owner = owner;
        if (wiring == null) {
            throw new FrostException("composite layer '" + owner + "': the wiring is null");
        }
        if (children == null || children.isEmpty()) {
            throw new FrostException("composite layer '" + owner + "' needs at least one sub-layer");
        }
        for (Layer c : children) {
            if (c == null) {
                throw new FrostException("composite layer '" + owner + "': a sub-layer is null");
            }
            if (this.children.put(c.name(), c) != null) {
                throw new FrostException("composite layer '" + owner + "' has two sub-layers named '" + c.name()
                        + "': names must be unique within a composite");
            }
        }
        this.wiring = wiring;
    }

    List<Layer> children() {
        return List.copyOf(children.values());
    }

    /** Replaces the child of the same name, in its place; the wiring calls children by name, so it is unchanged. */
    void replace(Layer replacement) {
        Layer old = child(replacement.name());
        if (!replacement.isInitialized() || !replacement.inputShape().equals(old.inputShape())
                || !replacement.outputShape().equals(old.outputShape())) {
            throw new FrostException("layer '" + owner + "." + old.name() + "' can only be replaced by an initialized"
                    + " layer with the same input and output shapes");
        }
        children.put(replacement.name(), replacement);
    }

    Layer child(String name) {
        Layer c = children.get(name);
        if (c == null) {
            throw new FrostException("layer '" + owner + "' has no sub-layer '" + name + "'; its sub-layers are: "
                    + String.join(", ", children.keySet()));
        }
        return c;
    }

    /**
     * Infers shapes by running the wiring once, without autograd, on zeros of batch size 1: each child is
     * initialized with the shape it actually receives, so any wiring works. Returns the per-example output shape.
     */
    Shape initialize(NDManager manager, Shape input, Map<String, Shape> sideShapes) {
        ParameterStore store = new ParameterStore(manager, false);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray x = tmp.zeros(new Shape(1).addAll(input));
            Map<String, NDArray> side = new LinkedHashMap<>();
            sideShapes.forEach((k, s) -> side.put(k, tmp.zeros(new Shape(1).addAll(s))));
            NDArray out = Autograd.withoutRecording(() -> wiring.forward(x, new Runner(side) {
                @Override
                NDArray runChild(String name, NDArray in, Map<String, NDArray> childSide) {
                    Layer c = child(name);
                    Shape shape = in.getShape().slice(1);
                    if (!c.isInitialized()) {
                        Map<String, Shape> shapes = new LinkedHashMap<>();
                        childSide.forEach((k, a) -> shapes.put(k, a.getShape().slice(1)));
                        c.initialize(manager, shape, shapes);
                    } else if (!c.inputShape().equals(shape)) {
                        throw new FrostException("layer '" + owner + "." + name + "' expects input " + c.inputShape()
                                + " but its composite's wiring gives it " + shape);
                    }
                    return c.forward(store, in, childSide, l -> false);
                }
            }));
            for (Layer c : children.values()) {
                if (!c.isInitialized()) {
                    throw new FrostException("composite layer '" + owner + "': its wiring never runs sub-layer '"
                            + c.name() + "'");
                }
            }
            return out.getShape().slice(1);
        }
    }

    /**
     * Runs the wiring; each child asks {@code training} for its own mode. A child's intermediates are freed when it
     * returns (its input stays: the wiring may read it again), the wiring's own arrays when the layer returns.
     */
    NDArray forward(ParameterStore store, NDArray input, Map<String, NDArray> side, Predicate<Layer> training) {
        return wiring.forward(input, new Runner(side) {
            @Override
            NDArray runChild(String name, NDArray x, Map<String, NDArray> childSide) {
                return Scoped.apply(x, false, in -> child(name).forward(store, in, childSide, training));
            }
        });
    }

    /** The wiring's view of the children; named inputs travel to a child beside the batch's side inputs. */
    private abstract class Runner implements Wiring.Children {
        private final Map<String, NDArray> side;

        Runner(Map<String, NDArray> side) {
            this.side = side;
        }

        abstract NDArray runChild(String name, NDArray input, Map<String, NDArray> childSide);

        @Override
        public NDArray run(String child, NDArray input) {
            return runChild(child, input, side);
        }

        @Override
        public NDArray run(String child, NDArray input, Map<String, NDArray> inputs) {
            Map<String, NDArray> merged = new LinkedHashMap<>(side);
            inputs.forEach((k, a) -> {
                if (side.containsKey(k)) {
                    throw new FrostException("composite layer '" + owner + "' passes input '" + k + "' to '" + child
                            + "', but a side input of the batch has that name");
                }
                merged.put(k, a);
            });
            return runChild(child, input, merged);
        }

        @Override
        public NDArray input(String name) {
            NDArray a = side.get(name);
            if (a == null) {
                throw new FrostException("composite layer '" + owner + "' reads input '" + name + "', which its"
                        + " parent layer did not pass (it has: " + side.keySet() + ")");
            }
            return a;
        }
    }
}
