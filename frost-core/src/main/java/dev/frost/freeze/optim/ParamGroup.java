package dev.frost.freeze.optim;

import ai.djl.nn.Parameter;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainable parameters of one layer group, by qualified name, with the group's learning-rate multiplier and whether
 * the optimizer's weight decay applies to them.
 */
public record ParamGroup(String name, double lrMultiplier, Map<String, Parameter> parameters, boolean decay) {

    public ParamGroup(String name, double lrMultiplier, Map<String, Parameter> parameters) {
        this(name, lrMultiplier, parameters, true);
    }

    /** One group per layer group, holding only parameters that currently require a gradient. */
    public static List<ParamGroup> of(FrostModel model) {
        return of(model, false);
    }

    /**
     * Like {@link #of(FrostModel)}; with {@code noDecayOnBiasAndNorm} each layer group splits in two, and biases and
     * normalization scales/shifts go to a group without weight decay (as Hugging Face's and fastai's defaults).
     */
    public static List<ParamGroup> of(FrostModel model, boolean noDecayOnBiasAndNorm) {
        return of(model, noDecayOnBiasAndNorm, p -> true);
    }

    /** Like {@link #of(FrostModel, boolean)}, keeping only the parameters {@code keep} accepts. */
    public static List<ParamGroup> of(FrostModel model, boolean noDecayOnBiasAndNorm,
                                      java.util.function.Predicate<Parameter> keep) {
        List<ParamGroup> out = new ArrayList<>();
        for (LayerGroup g : model.groups()) {
            Map<String, Parameter> decayed = new LinkedHashMap<>();
            Map<String, Parameter> plain = new LinkedHashMap<>();
            for (Layer l : g.layers()) {
                l.learnableParameters().forEach((k, p) -> {
                    if (p.requiresGradient() && keep.test(p)) {
                        boolean exempt = noDecayOnBiasAndNorm && p.getType() != Parameter.Type.WEIGHT;
                        (exempt ? plain : decayed).put(l.name() + "." + k, p);
                    }
                });
            }
            out.add(new ParamGroup(g.name(), g.lrMultiplier(), decayed, true));
            if (!plain.isEmpty()) {
                out.add(new ParamGroup(g.name() + "/no_decay", g.lrMultiplier(), plain, false));
            }
        }
        return out;
    }
}
