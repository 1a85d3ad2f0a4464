package dev.frost.freeze.grad;

import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Layer;

import java.util.List;

/**
 * Switch 1. Every learnable parameter requires a gradient exactly when it is (effectively) trainable: its layer's
 * flag, its own flag, trainBn. Top-level layers before the first one with something to train form the frozen
 * prefix: they run with autograd off, so the backward pass never enters them (DL4J's FrozenLayer). A frozen layer
 * or sub-layer after that point still sits on the gradient path: autograd computes its input gradient but, with its
 * weights not requiring grad, no weight gradient (FrozenLayerWithBackprop). The choice is automatic.
 */
public final class GradientSwitch {
    private GradientSwitch() {}

    /** Pushes each layer's freeze state (nested and per-parameter flags included) to requires-gradient flags. */
    public static void apply(List<Layer> layers, boolean trainBn) {
        for (Layer layer : layers) {
            layer.applyGradientRequirement((leaf, name) -> NormalizationSwitch.parameterTrainable(leaf, name, trainBn));
        }
    }

    /** Index of the first layer that has a trainable parameter; the layer count when nothing is trainable. */
    public static int frozenPrefixLength(List<Layer> layers, boolean trainBn) {
        int i = 0;
        for (Layer layer : layers) {
            if (!NormalizationSwitch.trainableParameters(layer, trainBn).isEmpty()) {
                return i;
            }
            i++;
        }
        return i;
    }
}
