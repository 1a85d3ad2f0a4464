package dev.frost.model;

import ai.djl.nn.Parameter;
import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Keras-like table: layer, group, output shape, parameters, trainable or frozen, forward FLOPs per example.
 * Sub-layers of composites follow their parent as indented rows; totals count top-level rows only.
 */
public final class ModelSummary {
    /**
     * One row of the table. {@code layer} is the qualified path, {@code depth} 0 for a top-level layer;
     * {@code trainable} says whether anything in it is trained, {@code trainableParameters} how many.
     */
    public record Row(String layer, String group, String kind, String outputShape, long parameters,
                      boolean trainable, long forwardFlops, boolean flopsKnown, int depth,
                      long trainableParameters) {}

    private final List<Row> rows;
    private final long trainableParameters;
    private final long frozenParameters;
    private final int frozenPrefixLength;

    private ModelSummary(List<Row> rows, long trainable, long frozen, int prefix) {
        this.rows = List.copyOf(rows);
        this.trainableParameters = trainable;
        this.frozenParameters = frozen;
        this.frozenPrefixLength = prefix;
    }

    static ModelSummary of(FrostModel model) {
        List<Row> rows = new ArrayList<>();
        long trainable = 0;
        long frozen = 0;
        for (Layer top : model.layers()) {
            String group = model.groupOf(top).name();
            for (Map.Entry<String, Layer> e : top.tree().entrySet()) {
                Layer l = e.getValue();
                long live = 0;
                for (Parameter p : NormalizationSwitch.trainableParameters(l, model.isTrainBn()).values()) {
                    live += p.getShape().size();
                }
                rows.add(new Row(e.getKey(), group, l.kind().name().toLowerCase(Locale.ROOT),
                        l.outputShape().toString(), l.parameterCount(),
                        NormalizationSwitch.effectiveTrainable(l, model.isTrainBn()), l.forwardFlops(),
                        l.hasKnownFlops(), e.getKey().split("\\.").length - 1, live));
                if (l == top) {
                    trainable += live;
                    frozen += l.parameterCount() - live;
                }
            }
        }
        return new ModelSummary(rows, trainable, frozen, model.frozenPrefixLength());
    }

    public List<Row> rows() {
        return rows;
    }

    public long trainableParameters() {
        return trainableParameters;
    }

    public long frozenParameters() {
        return frozenParameters;
    }

    public long totalForwardFlops() {
        return topLevel().mapToLong(Row::forwardFlops).sum();
    }

    private java.util.stream.Stream<Row> topLevel() {
        return rows.stream().filter(r -> r.depth() == 0);
    }

    @Override
    public String toString() {
        String fmt = "%-18s %-10s %-11s %-16s %12s  %-10s %14s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, fmt, "Layer", "Group", "Kind", "Output shape", "Params",
                "Trainable", "FLOPs/example"));
        sb.append("-".repeat(99)).append('\n');
        for (Row r : rows) {
            String name = "  ".repeat(r.depth()) + r.layer().substring(r.layer().lastIndexOf('.') + 1);
            sb.append(String.format(Locale.ROOT, fmt, name, r.group(), r.kind(), r.outputShape(),
                    String.format(Locale.ROOT, "%,d", r.parameters()),
                    r.parameters() == 0 ? "-" : r.trainableParameters() == 0 ? "N (frozen)"
                            : r.trainableParameters() < r.parameters() ? "partial" : "Y",
                    r.flopsKnown() ? String.format(Locale.ROOT, "%,d", r.forwardFlops()) : "unknown"));
        }
        sb.append("-".repeat(99)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%nTrainable params: %,d%nNon-trainable params: %,d%n",
                trainableParameters + frozenParameters, trainableParameters, frozenParameters));
        long unknown = topLevel().filter(r -> !r.flopsKnown()).count();
        sb.append(String.format(Locale.ROOT, "Forward FLOPs per example: %,d%s; frozen prefix (no autograd): %d layers%n",
                totalForwardFlops(), unknown == 0 ? "" : " (" + unknown + " layers unknown, not counted)",
                frozenPrefixLength));
        List<String> adapted = rows.stream().filter(r -> r.kind().equals("lora")).map(Row::layer).toList();
        if (!adapted.isEmpty()) {
            sb.append("LoRA adapters: ").append(String.join(", ", adapted))
                    .append(" (base_layer frozen; lora_A, lora_B trained)\n");
        }
        return sb.toString();
    }
}
