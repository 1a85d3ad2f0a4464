package dev.frost.examples;

import dev.frost.examples.SpamFineTune.Method;
import dev.frost.examples.SpamFineTune.Options;
import dev.frost.examples.SpamFineTune.Row;
import dev.frost.io.JsonLines;
import dev.frost.text.onnx.MiniLm;
import dev.frost.text.onnx.OnnxGraph;
import dev.frost.train.FitResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@link SpamFineTune}'s methods over several training seeds on one fixed split (split seed {@code o.seed()}),
 * paired: every method with every seed, the seeds in turn and the methods interleaved within each. Each finished run
 * is appended to a JSONL file at once and skipped when the comparison runs again, so a stopped one continues.
 */
public final class MiniLmComparison {
    private MiniLmComparison() {}

    /** Runs what {@code out} does not hold yet; returns every row in the file. */
    public static List<Row> run(List<SpamAssassin.Email> emails, Options o, List<Long> seeds, List<Method> methods,
                                Path out) {
        JsonLines.requireSettings(out, o.settings());
        List<Row> done = new ArrayList<>(JsonLines.read(out, Row.class));
        SpamFineTune.Split split = SpamFineTune.split(emails, o.seqLen(), o.trainSize(), o.testSize(), o.seed());
        OnnxGraph graph = MiniLm.readBundled();
        for (long seed : seeds) {
            for (Method m : methods) {
                String name = SpamFineTune.label(m, o);
                if (find(done, name, seed) != null) {
                    continue;
                }
                Row row = SpamFineTune.run(m, seed, graph, split, o, find(done, SpamFineTune.label(Method.FULL, o),
                        seed));
                JsonLines.append(out, row);
                done.add(row);
                System.out.printf(Locale.ROOT, "%s, seed %d: %s%n", name, seed, row.error() != null ? row.error()
                        : String.format(Locale.ROOT, "%.2f%% in %.1f s", 100 * row.testAccuracy(), row.trainSeconds()));
            }
        }
        return done;
    }

    private static Row find(List<Row> rows, String method, long seed) {
        return rows.stream().filter(r -> r.method().equals(method) && r.seed() == seed).findFirst().orElse(null);
    }

    /**
     * Per method: mean test accuracy with the per-seed values, the paired delta and speed-up against full
     * fine-tuning (over the seeds both ran), and per epoch the mean wall time and share of full FLOPs.
     */
    public static String format(List<Row> rows, Options o) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "MiniLM-L6 on SpamAssassin: %d training /"
                        + " %d held-out test e-mails, %d tokens, %d epochs, batch %d, AdamW lr %.0e (head x10),"
                        + " schedule %s, dropout %s; split seed %d%n", o.trainSize(), o.testSize(), o.seqLen(),
                o.epochs(), o.batchSize(), o.lr(), o.schedule(), o.dropout(), o.seed()));
        sb.append("| method | seeds | test accuracy: mean (per seed) | Δ pt vs full (paired) | train s (mean) |"
                + " speed-up (paired) | per epoch: s and share of full FLOPs | groups frozen after step, per seed |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        String fullName = SpamFineTune.label(Method.FULL, o);
        List<String> names = rows.stream().map(Row::method).distinct().sorted().toList();
        for (String name : names) {
            // by seed, so the per-seed columns line up whatever order a resumed file holds the rows in
            List<Row> rs = rows.stream().filter(r -> r.method().equals(name))
                    .sorted(Comparator.comparingLong(Row::seed)).toList();
            List<Row> ok = rs.stream().filter(r -> r.error() == null).toList();
            List<Row> full = new ArrayList<>();
            List<Row> mine = new ArrayList<>();
            for (Row r : ok) {
                Row f = find(rows, fullName, r.seed());
                if (f != null && f.error() == null) {
                    full.add(f);
                    mine.add(r);
                }
            }
            StringBuilder per = new StringBuilder();
            rs.forEach(r -> per.append(per.length() == 0 ? "" : ", ").append(r.error() != null ? "stopped"
                    : String.format(Locale.ROOT, "%.2f", 100 * r.testAccuracy())));
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% (%s) | %s | %.1f | %s | %s | %s |%n", name, rs.size(),
                    100 * mean(ok, Row::testAccuracy), per,
                    mine.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%+.2f",
                            100 * (mean(mine, Row::testAccuracy) - mean(full, Row::testAccuracy))),
                    mean(ok, Row::trainSeconds),
                    mine.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2fx",
                            mean(full, Row::trainSeconds) / mean(mine, Row::trainSeconds)),
                    epochs(ok, full.isEmpty() ? null : full.get(0)), freezes(ok)));
        }
        long stopped = rows.stream().filter(r -> r.error() != null).count();
        sb.append(stopped == 0 ? "every run ended with finite weights\n"
                : stopped + " run(s) stopped: " + rows.stream().filter(r -> r.error() != null)
                .map(r -> r.method() + " seed " + r.seed() + ": " + r.error()).toList() + "\n");
        return sb.toString();
    }

    /** Mean seconds and share of full fine-tuning's per-epoch FLOPs, epoch by epoch: "41 s 100%, 20 s 48%". */
    private static String epochs(List<Row> rows, Row full) {
        if (rows.isEmpty()) {
            return "";
        }
        int n = rows.get(0).epochSeconds().size();
        StringBuilder sb = new StringBuilder();
        for (int e = 0; e < n; e++) {
            int k = e;
            double secs = rows.stream().mapToDouble(r -> r.epochSeconds().get(k)).average().orElse(Double.NaN);
            double flops = rows.stream().mapToDouble(r -> r.epochFlops().get(k)).average().orElse(Double.NaN);
            double ref = full != null && k < full.epochFlops().size() ? full.epochFlops().get(k) : Double.NaN;
            sb.append(e == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f s", secs));
            if (!Double.isNaN(ref)) {
                sb.append(String.format(Locale.ROOT, " %.0f%%", 100 * flops / ref));
            }
        }
        return sb.toString();
    }

    /** "50→3, 75→5 / 50→2": per seed, after which step how many groups were frozen ("" where none froze). */
    private static String freezes(List<Row> rows) {
        return rows.stream().filter(r -> r.freezes() != null && !r.freezes().isEmpty()).map(r -> {
            Map<Long, Integer> count = new LinkedHashMap<>();
            int frozen = 0;
            for (FitResult.FreezeEvent e : r.freezes()) {
                frozen += e.frozen() ? 1 : -1;
                count.put(e.step(), frozen);
            }
            return String.join(", ", count.entrySet().stream().map(c -> c.getKey() + "→" + c.getValue()).toList());
        }).reduce((a, b) -> a + " / " + b).orElse("");
    }

    private static double mean(List<Row> rows, ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }
}
