package dev.frost.model;

import ai.djl.nn.Parameter;
import dev.frost.model.FrostModel;

import java.util.LinkedHashMap;
import java.util.Map;

/** Copies of a model's tensors, to compare bit for bit before and after training. */
public final class Snapshots {
    private Snapshots() {}

    public static Map<String, float[]> of(FrostModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.stateTensors().entrySet()) {
            out.put(e.getKey(), e.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Tensor names (prefixed by layer) whose bits differ between two snapshots. */
    public static java.util.Set<String> changed(Map<String, float[]> before, Map<String, float[]> after) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        before.forEach((k, v) -> {
            if (!java.util.Arrays.equals(v, after.get(k))) {
                out.add(k);
            }
        });
        return out;
    }
}
