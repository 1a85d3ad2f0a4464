package dev.frost.freeze.norm;

import dev.frost.layers.Layer;
import dev.frost.layers.LayerKind;

/**
 * Switch 3. DJL's {@code training} flag is global and BatchNorm follows it, so Frost decides each layer's mode
 * itself, on every forward call (a one-time eval could be undone, PyTorch #66073).
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
 * prefix deterministic, which the activation cache relies on.
 */
public final class NormalizationSwitch {
    private NormalizationSwitch() {}

    /** Whether the layer's parameters are trained: its own flag, or trainBn for BatchNorm. */
    public static boolean effectiveTrainable(Layer layer, boolean trainBn) {
        return layer.isTrainable() || (trainBn && layer.kind() == LayerKind.BATCH_NORM);
    }

    /** The mode a layer runs in during a forward pass whose global mode is {@code training}. */
    public static boolean layerTraining(Layer layer, boolean training, boolean trainBn) {
        return training && effectiveTrainable(layer, trainBn);
    }
}
