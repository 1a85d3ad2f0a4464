package dev.frost.cli.train;

import dev.frost.charts.SvgChart;

import com.fasterxml.jackson.databind.JsonNode;
import dev.frost.FrostException;
import dev.frost.train.EpochRecord;
import dev.frost.train.FitResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.html}: one self-contained file (inline CSS and SVG, no script, nothing fetched) built from the run
 * folder's files, so it can be rebuilt at any time and opened anywhere: curves, freeze timeline, time and FLOPs
 * against full training, the savings line, the model summary and the config.
 */
public final class RunReport {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};

    private RunReport() {}

    /** The run's epochs in order, one per (phase, epoch): a rerun after a crash replaces the earlier line. */
    public static List<JsonNode> epochs(Path dir) {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        for (JsonNode l : RunFiles.lines(dir.resolve(RunFiles.EPOCHS))) {
            String key = l.get("phase").asInt() + ":" + l.get("record").get("epoch").asInt();
            byKey.remove(key);
            byKey.put(key, l);
        }
        List<JsonNode> out = new ArrayList<>(byKey.values());
        out.sort((a, b) -> a.get("phase").asInt() != b.get("phase").asInt()
                ? Integer.compare(a.get("phase").asInt(), b.get("phase").asInt())
                : Integer.compare(a.get("record").get("epoch").asInt(), b.get("record").get("epoch").asInt()));
        return out;
    }

    /** Writes {@code dir/report.html}. */
    public static void write(Path dir) {
        List<JsonNode> lines = epochs(dir);
        List<EpochRecord> recs = new ArrayList<>();
        lines.forEach(l -> recs.add(RunFiles.convert(l.get("record"), EpochRecord.class)));
        int n = recs.size();
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>frost run "
                + SvgChart.esc(dir.getFileName().toString()) + "</title><style>body{font-family:sans-serif;"
                + "margin:24px;max-width:1200px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid"
                + " #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}"
                + ".charts{display:flex;flex-wrap:wrap;gap:12px}pre{background:#f4f4f4;padding:8px;font-size:12px}"
                + ".frozen-row{color:#888}</style></head><body>");
        RunFiles.State st = RunFiles.state(dir);
        h.append("<h1>frost run ").append(SvgChart.esc(dir.getFileName().toString())).append("</h1><p>status <b>")
                .append(st.status()).append("</b>; phases ").append(SvgChart.esc(String.join(" → ", st.phases())))
                .append("; ").append(n).append(" epochs recorded");
        if (st.test() != null) {
            h.append("; test ").append(SvgChart.esc(st.test().toString()));
        }
        h.append("</p>");
        if (n > 0) {
            FitResult all = new FitResult(recs, false, null, List.of(), null);
            h.append("<p><b>").append(SvgChart.esc(all.savingsLine())).append("</b></p>");
        }
        h.append("<h2>Curves</h2><div class=\"charts\">");
        h.append(SvgChart.lines("Loss", "epoch", List.of(
                series("train", 0, x, recs, EpochRecord::trainLoss),
                series("validation", 1, x, recs, EpochRecord::validLoss))));
        Set<String> metrics = new LinkedHashSet<>();
        recs.forEach(r -> metrics.addAll(r.trainMetrics().keySet()));
        for (String m : metrics) {
            h.append(SvgChart.lines(m, "epoch", List.of(
                    series("train", 0, x, recs, r -> r.trainMetrics().getOrDefault(m, Double.NaN)),
                    series("validation", 1, x, recs, r -> r.validMetrics().getOrDefault(m, Double.NaN)))));
        }
        h.append("</div><h2>Freezing</h2><div class=\"charts\">");
        h.append(timeline(dir, recs));
        h.append(SvgChart.lines("Seconds per epoch", "epoch", List.of(
                series("measured", 2, x, recs, EpochRecord::trainSeconds),
                series("full training (measured full steps)", 3, x, recs, EpochRecord::fullTrainSecondsEstimate))));
        h.append(SvgChart.lines("GFLOP per epoch", "epoch", List.of(
                series("executed", 2, x, recs, r -> r.executedFlops() / 1e9),
                series("full training", 3, x, recs, r -> r.fullFlops() / 1e9))));
        h.append("</div>");
        h.append(epochTable(lines, recs));
        h.append(summary(dir));
        h.append("<h2>Config</h2><pre>").append(SvgChart.esc(read(dir.resolve(RunFiles.CONFIG)))).append("</pre>");
        h.append("</body></html>\n");
        RunFiles.writeText(dir.resolve(RunFiles.REPORT), h.toString());
    }

    private static SvgChart.Series series(String name, int color, double[] x, List<EpochRecord> recs,
                                          java.util.function.ToDoubleFunction<EpochRecord> f) {
        double[] y = new double[recs.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = f.applyAsDouble(recs.get(i));
        }
        return new SvgChart.Series(name, COLORS[color], x, y);
    }

    private static String timeline(Path dir, List<EpochRecord> recs) {
        List<String> groups = new ArrayList<>();
        JsonNode summary = json(dir.resolve(RunFiles.SUMMARY));
        if (summary != null) {
            summary.get("rows").forEach(r -> {
                if (!groups.contains(r.get("group").asText())) {
                    groups.add(r.get("group").asText());
                }
            });
        }
        long total = recs.stream().mapToLong(EpochRecord::steps).sum();
        Map<String, Long> since = new LinkedHashMap<>();
        List<double[]> spans = new ArrayList<>();
        List<Integer> spanGroup = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        int lastPhase = -1;
        for (JsonNode l : RunFiles.lines(dir.resolve(RunFiles.TIMELINE))) {
            if (l.has("fit_start")) { // a fit starts: the trainer lists its frozen groups again
                long at = l.get("fit_start").asLong();
                since.forEach((g, s) -> addSpan(spans, spanGroup, groups, g, s, at));
                since.clear();
                if (l.get("phase").asInt() != lastPhase) {
                    starts.add(at);
                    lastPhase = l.get("phase").asInt();
                }
                continue;
            }
            String g = l.get("group").asText();
            long step = l.get("step").asLong();
            if (l.get("frozen").asBoolean()) {
                since.putIfAbsent(g, step);
            } else if (since.containsKey(g)) {
                addSpan(spans, spanGroup, groups, g, since.remove(g), step);
            }
        }
        since.forEach((g, s) -> addSpan(spans, spanGroup, groups, g, s, Math.max(s, total)));
        return SvgChart.timeline(groups, spans, spanGroup, total, starts);
    }

    private static void addSpan(List<double[]> spans, List<Integer> spanGroup, List<String> groups, String g,
                                long from, long to) {
        if (!groups.contains(g)) {
            groups.add(g);
        }
        spans.add(new double[] {from, to});
        spanGroup.add(groups.indexOf(g));
    }

    private static String epochTable(List<JsonNode> lines, List<EpochRecord> recs) {
        StringBuilder sb = new StringBuilder("<h2>Epochs</h2><table><tr><th>#</th><th>phase</th><th>train loss</th>"
                + "<th>valid loss</th><th>metrics (valid)</th><th>frozen groups</th><th>s</th><th>full s</th>"
                + "<th>GFLOP</th><th>full GFLOP</th></tr>");
        for (int i = 0; i < recs.size(); i++) {
            EpochRecord r = recs.get(i);
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%s</td>"
                    + "<td>%d</td><td>%.2f</td><td>%.2f</td><td>%.3f</td><td>%.3f</td></tr>", i + 1,
                    SvgChart.esc(lines.get(i).get("phase_name").asText()), r.trainLoss(), r.validLoss(),
                    SvgChart.esc(r.validMetrics().isEmpty() ? r.trainMetrics().toString() : r.validMetrics().toString()),
                    r.frozenGroups(), r.trainSeconds(), r.fullTrainSecondsEstimate(), r.executedFlops() / 1e9,
                    r.fullFlops() / 1e9));
        }
        return sb.append("</table>").toString();
    }

    private static String summary(Path dir) {
        JsonNode s = json(dir.resolve(RunFiles.SUMMARY));
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<h2>Model (at the start of training)</h2><p>trainable parameters "
                + s.get("trainable").asLong() + ", frozen " + s.get("frozen").asLong() + "</p><table><tr><th>layer"
                + "</th><th>group</th><th>kind</th><th>output</th><th>params</th><th>trainable</th></tr>");
        for (JsonNode r : s.get("rows")) {
            boolean trainable = r.get("trainable").asBoolean();
            sb.append("<tr").append(trainable ? "" : " class=\"frozen-row\"").append("><td>")
                    .append("&nbsp;".repeat(2 * r.get("depth").asInt()))
                    .append(SvgChart.esc(r.get("layer").asText())).append("</td><td>")
                    .append(SvgChart.esc(r.get("group").asText())).append("</td><td>")
                    .append(SvgChart.esc(r.get("kind").asText())).append("</td><td>")
                    .append(SvgChart.esc(r.get("output_shape") != null ? r.get("output_shape").asText()
                            : r.path("outputShape").asText())).append("</td><td>")
                    .append(r.get("parameters").asLong()).append("</td><td>").append(trainable ? "Y" : "N (frozen)")
                    .append("</td></tr>");
        }
        return sb.append("</table>").toString();
    }

    static JsonNode json(Path f) {
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return RunFiles.JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new FrostException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
