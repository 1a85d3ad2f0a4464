package dev.frost.text.onnx;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.model.FrostModel;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Copies named source tensors (ONNX initializers, safetensors entries) into a Frost model through a name map. Strict:
 * every mapped source tensor must exist, every target must exist, no target is filled twice, every tensor of the
 * layers being filled is covered, and shapes must agree (after transposing where the map says so).
 */
public final class WeightImport {
    /** Where a source tensor goes: a Frost tensor {@code layer.param}, transposed or not. */
    public record Target(String frostName, boolean transpose) {}

    private WeightImport() {}

    /**
     * @param layers names of the Frost layers that the import must fill completely
     * @return the number of values copied
     */
    public static long load(FrostModel model, Map<String, OnnxGraph.Tensor> source, Map<String, Target> map,
                            Set<String> layers) {
        Map<String, Parameter> targets = model.stateTensors();
        Map<String, String> filledBy = new HashMap<>();
        Map<String, float[]> staged = new LinkedHashMap<>();
        for (Map.Entry<String, Target> e : map.entrySet()) {
            OnnxGraph.Tensor t = source.get(e.getKey());
            if (t == null) {
                throw new FrostException("weight file lacks tensor '" + e.getKey() + "'");
            }
            Target target = e.getValue();
            Parameter p = targets.get(target.frostName());
            if (p == null) {
                throw new FrostException("tensor '" + e.getKey() + "' maps to '" + target.frostName()
                        + "', which the model does not have");
            }
            String previous = filledBy.put(target.frostName(), e.getKey());
            if (previous != null) {
                throw new FrostException("'" + target.frostName() + "' is mapped twice: from '" + previous + "' and '"
                        + e.getKey() + "'");
            }
            long[] dims = target.transpose() ? reversed(t.dims()) : t.dims();
            Shape want = p.getArray().getShape();
            if (!want.equals(new Shape(dims))) {
                throw new FrostException("shape mismatch for tensor '" + e.getKey() + "' -> '" + target.frostName()
                        + "': source " + Arrays.toString(t.dims()) + (target.transpose() ? " (transposed)" : "")
                        + ", model " + want);
            }
            staged.put(target.frostName(), target.transpose() ? transpose2d(t.data(), t.dims()) : t.data());
        }
        Set<String> missing = new TreeSet<>();
        for (String name : targets.keySet()) {
            String layer = name.substring(0, name.indexOf('.'));
            if (layers.contains(layer) && !filledBy.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new FrostException("the weight map leaves model tensor(s) " + missing + " unfilled");
        }
        long copied = 0;
        for (Map.Entry<String, float[]> e : staged.entrySet()) {
            targets.get(e.getKey()).getArray().set(e.getValue());
            copied += e.getValue().length;
        }
        return copied;
    }

    private static long[] reversed(long[] d) {
        if (d.length != 2) {
            throw new FrostException("only 2-D tensors can be transposed, got " + Arrays.toString(d));
        }
        return new long[] {d[1], d[0]};
    }

    private static float[] transpose2d(float[] data, long[] dims) {
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return out;
    }
}
