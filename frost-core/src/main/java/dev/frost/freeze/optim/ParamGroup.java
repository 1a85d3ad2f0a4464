package dev.frost.freeze.optim;

import ai.djl.nn.Parameter;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The trainable parameters of one layer group, by qualified name, with the group's learning-rate multiplier. */
public record ParamGroup(String name, double lrMultiplier, Map<String, Parameter> parameters) {

    /** One group per layer group, holding only parameters that currently require a gradient. */
    public static List<ParamGroup> of(FrostModel model) {
        List<ParamGroup> out = new ArrayList<>();
        for (LayerGroup g : model.groups()) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            for (Layer l : g.layers()) {
                l.learnableParameters().forEach((k, p) -> {
                    if (p.requiresGradient()) {
                        params.put(l.name() + "." + k, p);
                    }
                });
            }
            out.add(new ParamGroup(g.name(), g.lrMultiplier(), params));
        }
        return out;
    }
}
