package dev.frost.cli.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.frost.FrostException;
import dev.frost.train.FitResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run folder read back for the read-only dashboard ({@code frost dashboard RUN_DIR}): its epochs (curves, step
 * time and FLOPs share per epoch; per-step values are not recorded), the freeze timeline with who changed what, and
 * the groups with their layers as the run left them.
 */
public final class RunView {
    private RunView() {}

    /** The dashboard's fields and series (points, epochs, timeline) for the run in {@code dir}. */
    public static Map<String, Object> of(Path dir) {
        RunFiles.State st = RunFiles.state(dir);
        List<JsonNode> lines = RunReport.epochs(dir);
        if (lines.isEmpty()) {
            throw new FrostException("run " + dir + " has no recorded epoch yet (" + RunFiles.EPOCHS + " is empty):"
                    + " nothing to show");
        }
        List<Map<String, Object>> points = new ArrayList<>();
        List<Map<String, Object>> epochs = new ArrayList<>();
        long step = 0;
        for (JsonNode l : lines) {
            JsonNode r = l.get("record");
            long n = Math.max(1, r.get("steps").asLong());
            step += r.get("steps").asLong();
            long full = r.get("fullForwardFlops").asLong() + r.get("fullBackwardFlops").asLong();
            long done = r.get("forwardFlops").asLong() + r.get("backwardFlops").asLong();
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("step", step);
            p.put("epoch", epochs.size());
            p.put("loss", number(r.get("trainLoss")));
            p.put("seconds", r.get("trainSeconds").asDouble() / n); // the epoch's mean: steps are not recorded
            p.put("flopShare", full == 0 ? 1.0 : (double) done / full);
            p.put("frozenGroups", r.get("frozenGroups").asInt());
            points.add(p);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", epochs.size() + 1);
            e.put("step", step);
            e.put("phase", l.path("phase_name").asText(""));
            e.put("trainLoss", number(r.get("trainLoss")));
            e.put("validLoss", number(r.get("validLoss")));
            e.put("trainMetrics", RunFiles.convert(r.get("trainMetrics"), Map.class));
            e.put("validMetrics", RunFiles.convert(r.get("validMetrics"), Map.class));
            e.put("seconds", r.get("trainSeconds").asDouble());
            epochs.add(e);
        }
        List<Map<String, Object>> timeline = new ArrayList<>();
        Map<String, Boolean> frozen = new LinkedHashMap<>();
        for (JsonNode l : RunFiles.lines(dir.resolve(RunFiles.TIMELINE))) {
            if (l.has("fit_start")) { // each fit lists its frozen groups again
                frozen.clear();
                continue;
            }
            // "by" is absent in runs recorded before it existed
            String by = l.hasNonNull("by") ? l.get("by").asText() : FitResult.FreezeEvent.USER;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("step", l.get("step").asLong());
            t.put("group", l.get("group").asText());
            t.put("frozen", l.get("frozen").asBoolean());
            t.put("by", by);
            timeline.add(t);
            frozen.put(l.get("group").asText(), l.get("frozen").asBoolean());
        }
        Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
        JsonNode summary = RunReport.json(dir.resolve(RunFiles.SUMMARY));
        if (summary != null) {
            for (JsonNode row : summary.get("rows")) {
                if (row.path("depth").asInt(0) != 0) {
                    continue;
                }
                String g = row.get("group").asText();
                boolean f = frozen.getOrDefault(g, false);
                Map<String, Object> gm = groups.computeIfAbsent(g, k -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", k);
                    m.put("frozen", f);
                    m.put("parameters", 0L);
                    m.put("policy", null);
                    m.put("layers", new ArrayList<Map<String, Object>>());
                    return m;
                });
                gm.put("parameters", (Long) gm.get("parameters") + row.get("parameters").asLong());
                Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("name", row.get("layer").asText());
                lm.put("trainable", !f);
                lm.put("parameters", row.get("parameters").asLong());
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> ls = (List<Map<String, Object>>) gm.get("layers");
                ls.add(lm);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "run " + st.status() + " (read-only)");
        out.put("globalStep", step);
        out.put("epoch", epochs.size() - 1);
        out.put("totalSteps", step);
        out.put("groups", new ArrayList<>(groups.values()));
        out.put("points", points);
        out.put("epochs", epochs);
        out.put("timeline", timeline);
        return out;
    }

    private static Object number(JsonNode n) {
        return n == null || !n.isNumber() || !Double.isFinite(n.asDouble()) ? null : n.asDouble();
    }
}
