package dev.frost.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.charts.SvgChart;
import dev.frost.data.ArrayDataset;
import dev.frost.data.HostBatch;
import dev.frost.data.Splits;
import dev.frost.io.JsonLines;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.Sgd;
import dev.frost.loss.Losses;
import dev.frost.metric.Evaluation;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.model.Models;
import dev.frost.policy.AutoFreeze;
import dev.frost.policy.CostAwareFreeze;
import dev.frost.policy.FreezeOut;
import dev.frost.policy.FreezePolicy;
import dev.frost.policy.LinearFreezing;
import dev.frost.train.FitResult;
import dev.frost.train.GroupTimings;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Training from scratch with progressive freezing on Fashion-MNIST: the same epochs, optimizer (SGD, Nesterov 0.9,
 * lr 0.1, weight decay 1e-4, as FreezeOut) and base schedule (cosine) under full training and each policy. Policies
 * are interleaved within each seed; every finished run is appended to a JSONL file at once and runs already there
 * are skipped, so a comparison that outlasts a session continues where it stopped.
 */
public final class PolicyBenchmark {
    /** What to run; {@code trainSize}/{@code testSize} 0 mean the whole set. */
    public record Options(String model, int epochs, List<Long> seeds, int trainSize, int testSize, int batchSize,
                          List<String> variants) {}

    /** One policy on one seed; {@code timeline} holds [step, group index, frozen 0/1] triples. */
    public record Run(String model, String policy, long seed, int epochs, int trainSize, double testAccuracy,
                      double seconds, double flopsFraction, long steps, List<long[]> timeline) {}

    /** Mean and spread over seeds, with ratios to full training over the same seeds. */
    public record Summary(String policy, int seeds, double accuracy, double accuracySpread, double seconds,
                          double secondsSpread, double flopsFraction, double timeVsFull, double accuracyDeltaPoints) {}

    private record Variant(String name, boolean constantSchedule, boolean cache, Supplier<FreezePolicy> policy) {}

    private static final List<Variant> VARIANTS = List.of(
            new Variant("full training", false, false, () -> null),
            new Variant("FreezeOut cubic scaled", true, true, FreezeOut::defaults),
            new Variant("FreezeOut linear unscaled", true, true,
                    () -> new FreezeOut(0.8, FreezeOut.Scale.LINEAR, false)),
            new Variant("AutoFreeze + cache", false, true, AutoFreeze::new),
            new Variant("linear schedule + cache", false, true, LinearFreezing::new),
            new Variant("auto + cache", false, true, CostAwareFreeze::new));

    private PolicyBenchmark() {}

    /** The variants' names, in run order. */
    public static List<String> variantNames() {
        return VARIANTS.stream().map(Variant::name).toList();
    }

    /** The model under test: the BatchNorm CNN, or a deeper ResNet whose early stages carry most of the cost. */
    public static FrostModel model(String name, long seed) {
        return switch (name) {
            case "cnn" -> Models.cnn(10, seed);
            case "resnet" -> Models.resnet(new Shape(1, 28, 28), new int[] {32, 64, 128}, 2, 10, seed);
            default -> throw new FrostException("--model must be cnn or resnet, got '" + name + "'");
        };
    }

    /** The group names of {@code name}'s model (refusing an unknown name before any work). */
    public static List<String> groupNames(String name) {
        try (FrostModel m = model(name, 0)) {
            return m.groups().stream().map(LayerGroup::name).toList();
        }
    }

    /** Runs what {@code out} lacks, appending each run as it ends; returns every matching run in the file. */
    public static List<Run> run(ArrayDataset train, ArrayDataset test, Options o, Path out) {
        for (String v : o.variants()) {
            if (!variantNames().contains(v)) {
                throw new FrostException("unknown variant '" + v + "' (variants: " + String.join(", ", variantNames())
                        + ")");
            }
        }
        ArrayDataset tr = o.trainSize() > 0 ? subset(train, o.trainSize()) : train;
        ArrayDataset te = o.testSize() > 0 ? subset(test, o.testSize()) : test;
        List<Run> done = read(out, o, tr.size());
        boolean warmedUp = false;
        for (long seed : o.seeds()) {
            for (Variant v : VARIANTS) {
                if (!o.variants().contains(v.name())
                        || done.stream().anyMatch(r -> r.policy().equals(v.name()) && r.seed() == seed)) {
                    continue;
                }
                if (!warmedUp) { // one short discarded run, so that no variant pays the JVM's and libtorch's warm-up
                    runOne(VARIANTS.get(0), o.model(), subset(tr, Math.min(tr.size(), 1280)), te, 1, o.batchSize(), 99);
                    warmedUp = true;
                }
                Run r = runOne(v, o.model(), tr, te, o.epochs(), o.batchSize(), seed);
                JsonLines.append(out, r);
                done.add(r);
                System.out.printf(Locale.ROOT, "%s seed %d: %.2f%% in %.1f s (%.1f%% of full FLOPs)%n", v.name(), seed,
                        100 * r.testAccuracy(), r.seconds(), 100 * r.flopsFraction());
            }
        }
        return done;
    }

    private static Run runOne(Variant v, String modelName, ArrayDataset train, ArrayDataset test, int epochs,
                              int batch, long seed) {
        try (FrostModel m = model(modelName, seed)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(epochs).optBatchSize(batch)
                    .optLearningRate(0.1).optSchedule(v.constantSchedule() ? "constant" : "cosine").optSeed(seed)
                    .optProgressBar(false).optMeasureFullStep(false)
                    .optCache(v.cache() ? CacheConfig.defaults() : null).build();
            FreezePolicy p = v.policy().get();
            Trainer t = p == null ? new Trainer(m, new Sgd(0.9, true, 1e-4), cfg)
                    : new Trainer(m, new Sgd(0.9, true, 1e-4), cfg, p);
            FitResult r = t.fit(train, null);
            Evaluation e = t.evaluate(test);
            List<String> groups = m.groups().stream().map(LayerGroup::name).toList();
            List<long[]> timeline = r.timeline().stream()
                    .map(ev -> new long[] {ev.step(), groups.indexOf(ev.group()), ev.frozen() ? 1 : 0}).toList();
            long steps = r.epochs().stream().mapToLong(ep -> ep.steps()).sum();
            return new Run(modelName, v.name(), seed, epochs, train.size(), e.accuracy(), r.trainSeconds(),
                    r.executedFlops() / (double) r.fullFlops(), steps, timeline);
        }
    }

    /** Where a full step's time goes, per group (measured on one batch of {@code data}, median of 5). */
    public static GroupTimings groupTimings(String modelName, ArrayDataset data, int batch) {
        try (FrostModel m = model(modelName, 1); NDManager nd = m.manager().newSubManager()) {
            int[] first = Arrays.copyOf(data.naturalOrder(), Math.min(batch, data.size()));
            var b = HostBatch.read(data, first, null, 0).toEngine(nd);
            GroupTimings.measure(m, b, Losses.softmaxCrossEntropy(), 2); // warm-up
            return GroupTimings.measure(m, b, Losses.softmaxCrossEntropy(), 5);
        }
    }

    /** Means over seeds; each policy's time and accuracy are compared with full training on the same seeds. */
    public static List<Summary> summarize(List<Run> runs) {
        List<Summary> out = new ArrayList<>();
        List<Run> full = runs.stream().filter(r -> r.policy().equals(VARIANTS.get(0).name())).toList();
        for (String name : variantNames()) {
            List<Run> rs = runs.stream().filter(r -> r.policy().equals(name)).toList();
            if (rs.isEmpty()) {
                continue;
            }
            List<Run> fs = full.stream().filter(f -> rs.stream().anyMatch(r -> r.seed() == f.seed())).toList();
            List<Run> paired = rs.stream().filter(r -> fs.stream().anyMatch(f -> f.seed() == r.seed())).toList();
            double acc = mean(rs, Run::testAccuracy);
            double secs = mean(rs, Run::seconds);
            out.add(new Summary(name, rs.size(), acc, spread(rs, Run::testAccuracy), secs, spread(rs, Run::seconds),
                    mean(rs, Run::flopsFraction),
                    fs.isEmpty() ? Double.NaN : mean(paired, Run::seconds) / mean(fs, Run::seconds),
                    fs.isEmpty() ? Double.NaN : 100 * (mean(paired, Run::testAccuracy) - mean(fs, Run::testAccuracy))));
        }
        return out;
    }

    private static double mean(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static double spread(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
        if (rs.size() < 2) {
            return 0;
        }
        double m = mean(rs, f);
        double s = rs.stream().mapToDouble(f).map(x -> (x - m) * (x - m)).sum();
        return Math.sqrt(s / (rs.size() - 1));
    }

    private static ArrayDataset subset(ArrayDataset d, int n) {
        int perClass = n / d.classes();
        return Splits.stratified(d, perClass, 0, 7).train();
    }

    public static String format(List<Summary> rows, Options o, int trainSize, int testSize, GroupTimings t) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Progressive freezing from scratch: %s, Fashion-MNIST %d train / %d test,"
                + " %d epochs, SGD Nesterov lr 0.1, batch %d (mean ± std over seeds)%n", o.model(), trainSize, testSize,
                o.epochs(), o.batchSize()));
        sb.append("| policy | seeds | test accuracy | train time s | FLOPs executed | time / full | accuracy Δ pt |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Summary s : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% ± %.2f | %.1f ± %.1f | %.1f%% | %.3f | %+.2f |%n",
                    s.policy(), s.seeds(), 100 * s.accuracy(), 100 * s.accuracySpread(), s.seconds(),
                    s.secondsSpread(), 100 * s.flopsFraction(), s.timeVsFull(), s.accuracyDeltaPoints()));
        }
        sb.append("target: a policy that saves >= 25% wall time (time/full <= 0.75) at <= 0.5 pt accuracy loss\n");
        if (t != null) {
            sb.append(String.format(Locale.ROOT, "%nWhere a full step goes (measured, batch %d, full forward+backward"
                    + " %.1f ms):%n| group | forward ms | backward ms | share of the step |%n|---|---|---|---|%n",
                    o.batchSize(), 1000 * t.stepSeconds()));
            for (int k = 0; k < t.groups().length; k++) {
                double own = t.forwardSeconds()[k] + t.backwardSeconds()[k];
                sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.0f%% |%n", t.groups()[k],
                        1000 * t.forwardSeconds()[k], 1000 * t.backwardSeconds()[k], 100 * own / t.stepSeconds()));
            }
        }
        return sb.toString();
    }

    /** Accuracy against wall time, one dot per run, and each policy's freeze timeline (first seed), as SVG. */
    public static String plot(List<Run> runs, List<String> groups) {
        String[] colors = {"#222", "#c33", "#e88", "#36c", "#3a3", "#a3c"};
        List<SvgChart.Series> dots = new ArrayList<>();
        StringBuilder timelines = new StringBuilder();
        List<String> names = variantNames();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            List<Run> rs = runs.stream().filter(r -> r.policy().equals(name)).toList();
            if (rs.isEmpty()) {
                continue;
            }
            double[] x = new double[2 * rs.size()];
            double[] y = new double[2 * rs.size()];
            for (int k = 0; k < rs.size(); k++) { // NaN between dots: each run is its own point
                x[2 * k] = rs.get(k).seconds();
                y[2 * k] = 100 * rs.get(k).testAccuracy();
                x[2 * k + 1] = rs.get(k).seconds();
                y[2 * k + 1] = Double.NaN;
            }
            dots.add(new SvgChart.Series(name, colors[i % colors.length], x, y));
            Run first = rs.get(0);
            List<double[]> spans = new ArrayList<>();
            List<Integer> spanGroup = new ArrayList<>();
            Map<Integer, Long> since = new LinkedHashMap<>();
            for (long[] ev : first.timeline()) {
                int g = (int) ev[1];
                if (ev[2] == 1) {
                    since.putIfAbsent(g, ev[0]);
                } else if (since.containsKey(g)) {
                    spans.add(new double[] {since.remove(g), ev[0]});
                    spanGroup.add(g);
                }
            }
            since.forEach((g, s) -> {
                spans.add(new double[] {s, first.steps()});
                spanGroup.add(g);
            });
            timelines.append("<h3>").append(SvgChart.esc(name)).append(" (seed ").append(first.seed()).append(")</h3>")
                    .append(SvgChart.timeline(groups, spans, spanGroup, first.steps(), List.of()));
        }
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Progressive freezing from scratch</title>"
                + "</head><body style=\"font-family:sans-serif\">"
                + SvgChart.lines("Test accuracy (%) vs train time (s), one dot per run", "train time (s)", dots)
                + timelines + "</body></html>";
    }

    private static List<Run> read(Path file, Options o, int trainSize) {
        List<Run> rows = new ArrayList<>();
        for (Run r : JsonLines.read(file, Run.class)) {
            if (r.model().equals(o.model()) && r.epochs() == o.epochs() && r.trainSize() == trainSize) {
                rows.add(r);
            }
        }
        return rows;
    }
}
