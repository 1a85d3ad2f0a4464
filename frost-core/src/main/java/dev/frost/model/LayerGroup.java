package dev.frost.model;

import dev.frost.FrostException;
import dev.frost.layers.Layer;

import java.util.List;

/**
 * A named run of consecutive layers that freeze together and share one learning-rate multiplier (fastai's layer
 * group, an optimizer parameter group).
 */
public final class LayerGroup {
    private final String name;
    private final List<Layer> layers;
    private double lrMultiplier = 1.0;

    LayerGroup(String name, List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new FrostException("layer group '" + name + "' is empty: give it at least one layer");
        }
        this.name = name;
        this.layers = List.copyOf(layers);
    }

    public String name() {
        return name;
    }

    public List<Layer> layers() {
        return layers;
    }

    public LayerGroup freeze() {
        return setTrainable(false);
    }

    public LayerGroup unfreeze() {
        return setTrainable(true);
    }

    public LayerGroup setTrainable(boolean trainable) {
        for (Layer layer : layers) {
            layer.setTrainable(trainable);
        }
        return this;
    }

    /** True when no layer of the group is trainable. */
    public boolean isFrozen() {
        return layers.stream().noneMatch(Layer::isTrainable);
    }

    /** Multiplies the optimizer's learning rate for this group's parameters (discriminative learning rates). */
    public double lrMultiplier() {
        return lrMultiplier;
    }

    public LayerGroup setLrMultiplier(double multiplier) {
        if (!(multiplier >= 0) || Double.isInfinite(multiplier)) {
            throw new FrostException("group '" + name + "': learning-rate multiplier must be finite and >= 0, got "
                    + multiplier);
        }
        this.lrMultiplier = multiplier;
        return this;
    }

    public long parameterCount() {
        return layers.stream().mapToLong(Layer::parameterCount).sum();
    }

    @Override
    public String toString() {
        return name + layers;
    }
}
