package dev.frost.train;

import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Flops;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;

import java.util.List;

/**
 * Per-example FLOPs of one training step as executed under the current freeze state, and as full training would
 * execute it. A frozen prefix costs forward only (or nothing, once cached); a frozen layer above a trainable one
 * costs its input gradient but no weight gradient; inside a composite, weight gradients count per sub-layer. A
 * layer with any trainable parameter counts its whole weight gradient.
 */
public record StepFlops(long forward, long backward, long fullForward, long fullBackward) {

    public static StepFlops of(FrostModel model, boolean prefixCached) {
        List<Layer> layers = model.layers();
        int prefix = model.frozenPrefixLength();
        long fwd = 0;
        long bwd = 0;
        long fullFwd = 0;
        long fullBwd = 0;
        int firstWithParams = -1;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long f = l.forwardFlops();
            fullFwd += f;
            if (!(prefixCached && i < prefix)) {
                fwd += f;
            }
            if (l.hasLearnableParameters()) {
                fullBwd += Flops.weightGradient(l);
                if (firstWithParams < 0) {
                    firstWithParams = i;
                }
            }
            if (firstWithParams >= 0 && i > firstWithParams) {
                fullBwd += Flops.inputGradient(l);
            }
            if (i >= prefix) {
                for (Layer leaf : l.leaves()) {
                    if (!NormalizationSwitch.trainableParameters(leaf, model.isTrainBn()).isEmpty()) {
                        bwd += Flops.weightGradient(leaf);
                    }
                }
                if (i > prefix) {
                    bwd += Flops.inputGradient(l);
                }
            }
        }
        return new StepFlops(fwd, bwd, fullFwd, fullBwd);
    }


    /** This step with the prefix forward of {@code examples} examples served from the cache. */
    public StepFlops minusForward(long flops) {
        return new StepFlops(forward - flops, backward, fullForward, fullBackward);
    }

    public StepFlops times(long examples) {
        return new StepFlops(forward * examples, backward * examples, fullForward * examples, fullBackward * examples);
    }
}
