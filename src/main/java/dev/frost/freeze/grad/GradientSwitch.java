package dev.frost.freeze.grad;

import ai.djl.ndarray.NDArray;
import dev.frost.engine.Autograd;
import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;

/**
 * Switch 1. Every learnable parameter requires a gradient exactly when its layer is (effectively) trainable.
 * Layers before the first one with something to train form the frozen prefix: they run with autograd off, so the
 * backward pass never enters them (DL4J's FrozenLayer). A frozen layer after that point still sits on the gradient
 * path: autograd computes its input gradient but, with its weights not requiring grad, no weight gradient
 * (FrozenLayerWithBackprop). The choice is automatic.
 */
public final class GradientSwitch {
    private GradientSwitch() {}

    /** Pushes each layer's freeze state to its parameters' requires-gradient flags. */
    public static void apply(FrostModel model) {
        for (Layer layer : model.layers()) {
            layer.applyGradientRequirement(NormalizationSwitch.effectiveTrainable(layer, model.isTrainBn()));
        }
    }

    /** Index of the first layer that has a trainable parameter; the layer count when nothing is trainable. */
    public static int frozenPrefixLength(FrostModel model) {
        int i = 0;
        for (Layer layer : model.layers()) {
            if (layer.hasLearnableParameters() && NormalizationSwitch.effectiveTrainable(layer, model.isTrainBn())) {
                return i;
            }
            i++;
        }
        return i;
    }

    /** Runs the frozen prefix {@code [0, length)} without recording autograd. */
    public static NDArray runFrozenPrefix(FrostModel model, NDArray input, boolean training, int length) {
        return run(model, input, training, 0, length);
    }

    /** Runs frozen layers {@code [from, to)} without autograd, in training mode (frozen layers run in inference). */
    public static NDArray runFrozenLayers(FrostModel model, NDArray input, int from, int to) {
        return run(model, input, true, from, to);
    }

    private static NDArray run(FrostModel model, NDArray input, boolean training, int from, int to) {
        if (from == to) {
            return input;
        }
        return Autograd.withoutRecording(() -> {
            NDArray h = input;
            for (int i = from; i < to; i++) {
                NDArray out = model.forward(h, training, i, i + 1);
                // Without autograd nothing refers to an intermediate once the next layer has it: free it now, so
                // the allocator reuses its memory instead of mapping fresh pages every step.
                if (h != input && out != h) {
                    h.close();
                }
                h = out;
            }
            return h;
        });
    }
}
