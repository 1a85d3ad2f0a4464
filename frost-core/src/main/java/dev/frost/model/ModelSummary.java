package dev.frost.model;

import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Keras-like table: layer, group, output shape, parameters, trainable or frozen, forward FLOPs per example. */
public final class ModelSummary {
    /** One row of the table. */
    public record Row(String layer, String group, String kind, String outputShape, long parameters,
                      boolean trainable, long forwardFlops, boolean flopsKnown) {}

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
        for (Layer l : model.layers()) {
            boolean t = NormalizationSwitch.effectiveTrainable(l, model.isTrainBn());
            rows.add(new Row(l.name(), model.groupOf(l).name(), l.kind().name().toLowerCase(Locale.ROOT),
                    l.outputShape().toString(), l.parameterCount(), t, l.forwardFlops(),
                    l.hasKnownFlops()));
            if (t) {
                trainable += l.parameterCount();
            } else {
                frozen += l.parameterCount();
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
        return rows.stream().mapToLong(Row::forwardFlops).sum();
    }

    @Override
    public String toString() {
        String fmt = "%-12s %-10s %-11s %-16s %12s  %-9s %14s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, fmt, "Layer", "Group", "Kind", "Output shape", "Params",
                "Trainable", "FLOPs/example"));
        sb.append("-".repeat(92)).append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.layer(), r.group(), r.kind(), r.outputShape(),
                    String.format(Locale.ROOT, "%,d", r.parameters()),
                    r.parameters() == 0 ? "-" : (r.trainable() ? "Y" : "N (frozen)"),
                    r.flopsKnown() ? String.format(Locale.ROOT, "%,d", r.forwardFlops()) : "unknown"));
        }
        sb.append("-".repeat(92)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%nTrainable params: %,d%nNon-trainable params: %,d%n",
                trainableParameters + frozenParameters, trainableParameters, frozenParameters));
        long unknown = rows.stream().filter(r -> !r.flopsKnown()).count();
        sb.append(String.format(Locale.ROOT, "Forward FLOPs per example: %,d%s; frozen prefix (no autograd): %d layers%n",
                totalForwardFlops(), unknown == 0 ? "" : " (" + unknown + " layers unknown, not counted)",
                frozenPrefixLength));
        return sb.toString();
    }
}
