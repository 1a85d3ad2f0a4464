package dev.frost.freeze.norm;

import ai.djl.nn.Parameter;
import dev.frost.layers.Layer;
import dev.frost.layers.LayerKind;

import java.util.Map;

/**
 * Switch 3. DJL's {@code training} flag is global and BatchNorm follows it, so Frost decides each leaf layer's mode
 * itself, on every forward call (a one-time eval could be undone, PyTorch #66073); inside a composite each sub-layer
 * gets its own mode.
 *
 * <table>
 *   <caption>BatchNorm in a frozen layer</caption>
 *   <tr><th></th><th>default (Keras)</th><th>trainBn (fastai)</th></tr>
 *   <tr><td>running mean/variance</td><td>fixed, bit-identical</td><td>updated every training step</td></tr>
 *   <tr><td>normalizes with</td><td>running statistics</td><td>batch statistics</td></tr>
 *   <tr><td>gamma, beta</td><td>frozen</td><td>trained</td></tr>
 * </table>
 *
 * Other frozen layers run in inference mode too (dropout off), as DL4J's frozen layers do; this also makes a frozen
 * prefix deterministic, which the activation cache relies on. This class is also where trainBn meets the flags, so
 * the other switches ask it what is trained.
 */
public final class NormalizationSwitch {
    private NormalizationSwitch() {}

    /** Whether anything in the layer is trained: its flags, or trainBn for a BatchNorm (nested ones too). */
    public static boolean effectiveTrainable(Layer layer, boolean trainBn) {
        if (layer.isComposite()) {
            return layer.children().stream().anyMatch(c -> effectiveTrainable(c, trainBn));
        }
        return layer.isTrainable() || isLiveBatchNorm(layer, trainBn);
    }

    /** The mode a leaf layer runs in during a forward pass whose global mode is {@code training}. */
    public static boolean layerTraining(Layer leaf, boolean training, boolean trainBn) {
        return training && effectiveTrainable(leaf, trainBn);
    }

    /** Whether gradient descent trains parameter {@code name} of a leaf layer. */
    public static boolean parameterTrainable(Layer leaf, String name, boolean trainBn) {
        return isLiveBatchNorm(leaf, trainBn) || leaf.isParameterTrainable(name);
    }

    /** The learnable parameters of a layer (nested ones included, by path) that gradient descent trains. */
    public static Map<String, Parameter> trainableParameters(Layer layer, boolean trainBn) {
        return layer.learnableParameters((leaf, name) -> parameterTrainable(leaf, name, trainBn));
    }

    private static boolean isLiveBatchNorm(Layer leaf, boolean trainBn) {
        return trainBn && leaf.kind() == LayerKind.BATCH_NORM;
    }
}
