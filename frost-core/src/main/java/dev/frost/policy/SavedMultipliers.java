package dev.frost.policy;

import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.util.LinkedHashMap;
import java.util.Map;

/** The groups' learning-rate multipliers as the user set them, taken before a policy sets its own and put back after. */
public record SavedMultipliers(Map<String, Double> byGroup) {
    public static SavedMultipliers of(FrostModel model) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (LayerGroup g : model.groups()) {
            m.put(g.name(), g.lrMultiplier());
        }
        return new SavedMultipliers(m);
    }

    public void restore(FrostModel model) {
        byGroup.forEach((name, mult) -> model.group(name).setLrMultiplier(mult));
    }
}
