package dev.frost.examples;

import dev.frost.data.ArrayDataset;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.io.JsonLines;
import dev.frost.lora.LoraConfig;
import dev.frost.lora.LoraModel;
import dev.frost.metric.Evaluation;
import dev.frost.model.FrostModel;
import dev.frost.text.bert.Bert;
import dev.frost.text.onnx.MiniLm;
import dev.frost.text.onnx.OnnxGraph;
import dev.frost.train.FitResult;
import dev.frost.train.RunInfo;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Full fine-tuning vs partial freezing vs LoRA on the real MiniLM-L6 and SpamAssassin, paired over seeds: one fixed
 * split, every method run with every seed. Each finished run is appended to a JSONL file at once, and runs already in
 * it are skipped, so a stopped comparison continues where it stopped.
 */
public final class SpamLora {
    /** Every Linear of a BERT layer: query, key, value, attention.output.dense, intermediate.dense, output.dense. */
    private static final String ALL_PROJECTIONS = "query|key|value|dense";

    /** The compared methods, in the order they run within a seed. */
    public enum Method {
        FULL("full fine-tuning", 0),
        FROZEN4("embeddings + 4 layers frozen", 0),
        LORA_QV("LoRA r=8 on query, value", 0),
        LORA_ALL("LoRA r=8 on all projections", 0),
        LORA_ALL_R4("LoRA r=4 on all projections", 4),
        LORA_TOP2_CACHED("LoRA r=8 on layers 4-5 (all projections), prefix cached", 0);

        private final String label;
        private final int rank;

        Method(String label, int rank) {
            this.label = label;
            this.rank = rank;
        }

        public String label() {
            return label;
        }

        /** The adapters' rank: this method's own, or the options' when it has none. */
        int rank(Options o) {
            return rank > 0 ? rank : o.rank();
        }
    }

    /**
     * Settings. Full fine-tuning and partial freezing use {@code lr} (head x10), as {@code bench minilm} does; the
     * LoRA methods use {@code loraLr} for adapters and head alike (LoRA trains far fewer weights and wants a larger
     * step, as in the LoRA paper's GLUE runs).
     */
    public record Options(int seqLen, int trainSize, int testSize, int epochs, int batchSize, double lr,
                          double loraLr, int rank, double alpha, float loraDropout, long splitSeed,
                          List<Long> seeds, List<Method> methods) {
        /** What every row of one results file shares (all but the seeds and methods). */
        public Map<String, Object> settings() {
            return Map.ofEntries(Map.entry("seq_len", seqLen), Map.entry("train_size", trainSize),
                    Map.entry("test_size", testSize), Map.entry("epochs", epochs), Map.entry("batch_size", batchSize),
                    Map.entry("lr", lr), Map.entry("lora_lr", loraLr), Map.entry("rank", rank),
                    Map.entry("alpha", alpha), Map.entry("lora_dropout", (double) loraDropout),
                    Map.entry("split_seed", splitSeed));
        }

        /** Adapter dropout 0, PEFT's default (and full fine-tuning here runs without dropout too). */
        public static Options defaults() {
            return new Options(128, 1600, 3000, 2, 16, 1e-4, 1e-3, 8, 16, 0f, 42, List.of(1L, 2L),
                    List.of(Method.values()));
        }
    }

    /**
     * One method with one seed. Bytes are -1 where unknown; {@code peakRssBytes} is the JVM process's peak resident
     * set during training (Linux VmHWM, reset when the method starts; one JVM per method in scripts/bench-lora.sh).
     */
    public record Row(String method, long seed, double testAccuracy, double trainSeconds, long trainableParameters,
                      long totalParameters, long optimizerStateBytes, long peakRssBytes, long executedFlops,
                      long fullFlops) {}

    private SpamLora() {}

    /** Runs what {@code out} does not hold yet, appending each finished row; returns all rows in the file. */
    public static List<Row> run(List<SpamAssassin.Email> emails, Options o, Path out) {
        JsonLines.requireSettings(out, o.settings());
        List<Row> done = read(out);
        SpamFineTune.Split split = SpamFineTune.split(emails, o.seqLen(), o.trainSize(), o.testSize(), o.splitSeed());
        OnnxGraph graph = MiniLm.readBundled();
        for (long seed : o.seeds()) {
            for (Method m : o.methods()) {
                boolean present = done.stream().anyMatch(r -> r.seed() == seed && r.method().equals(m.name()));
                if (present) {
                    continue;
                }
                Row row = runOne(m, seed, graph, split, o);
                JsonLines.append(out, row);
                done.add(row);
                System.out.printf(Locale.ROOT, "%s seed %d: %.2f%% in %.1f s%n", m.label(), seed,
                        100 * row.testAccuracy(), row.trainSeconds());
            }
        }
        return done;
    }

    static Row runOne(Method method, long seed, OnnxGraph graph, SpamFineTune.Split split, Options o) {
        System.gc();
        RunInfo.resetPeakRss();
        FrostModel base = Bert.classifier(Bert.Config.MINILM_L6, o.seqLen(), 2, seed);
        MiniLm.loadPretrained(base, graph);
        LoraModel lora = null;
        FrostModel m = base;
        double lr = o.lr();
        boolean cache = false;
        switch (method) {
            case FULL -> base.group("head").setLrMultiplier(10);
            case FROZEN4 -> {
                base.freezeTo(5);
                base.group("head").setLrMultiplier(10);
            }
            case LORA_QV, LORA_ALL, LORA_ALL_R4, LORA_TOP2_CACHED -> {
                LoraConfig.Builder b = LoraConfig.builder().r(method.rank(o)).alpha(o.alpha()).dropout(o.loraDropout())
                        .modulesToSave("classifier").taskType("SEQ_CLS").seed(seed)
                        .baseModelNameOrPath("sentence-transformers/all-MiniLM-L6-v2");
                switch (method) {
                    case LORA_QV -> b.targetModules("query", "value");
                    case LORA_ALL, LORA_ALL_R4 -> b.targetRegex(".*\\.(" + ALL_PROJECTIONS + ")");
                    default -> b.targetRegex("encoder\\.layer\\.[45]\\..*\\.(" + ALL_PROJECTIONS + ")");
                }
                LoraConfig cfg = b.build();
                lora = LoraModel.apply(base, cfg, Bert::huggingFaceName);
                m = lora.model();
                lr = o.loraLr();
                cache = method == Method.LORA_TOP2_CACHED;
            }
        }
        try (FrostModel closeBase = lora == null ? base : null; LoraModel closeLora = lora;
             AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(o.epochs()).optBatchSize(o.batchSize())
                    .optLearningRate(lr).optSchedule("onecycle").optSeed(seed)
                    .optCache(cache ? CacheConfig.defaults() : null).optProgressBar(false).build();
            Trainer t = new Trainer(m, opt, cfg, List.of());
            FitResult r = t.fit(split.train(), null);
            long trainingPeakRss = RunInfo.peakRssBytes(); // before evaluation, whose batch of 256 would dominate
            Evaluation e = t.evaluate(split.test());
            long trainable = m.summary().trainableParameters();
            long total = trainable + m.summary().frozenParameters();
            RunInfo.Memory mem = r.info() == null ? null : r.info().memory();
            return new Row(method.name(), seed, e.accuracy(), r.trainSeconds(), trainable, total,
                    mem == null ? -1 : mem.optimizerStateBytes(), trainingPeakRss, r.executedFlops(),
                    r.fullFlops());
        }
    }

    /** Means over seeds per method, with each method's seeds paired against full fine-tuning's. */
    public static String format(List<Row> rows, Options o) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "MiniLM-L6 on SpamAssassin: %d training / %d held-out test e-mails,"
                        + " %d tokens, %d epochs, batch %d, AdamW one cycle; full/frozen lr %.0e (head x10),"
                        + " LoRA lr %.0e, r=%d, alpha=%.0f, adapter dropout %s%n", o.trainSize(), o.testSize(),
                o.seqLen(), o.epochs(), o.batchSize(), o.lr(), o.loraLr(), o.rank(), o.alpha(), o.loraDropout()));
        String fmt = "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n";
        sb.append(String.format(Locale.ROOT, fmt, "method", "seeds", "test accuracy (mean, per seed)", "Δ pt vs full",
                "train s", "speed-up", "trainable params", "optimizer state", "peak RSS"));
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        Map<String, List<Row>> by = new LinkedHashMap<>();
        for (Method m : Method.values()) {
            List<Row> rs = rows.stream().filter(r -> r.method().equals(m.name())).toList();
            if (!rs.isEmpty()) {
                by.put(m.name(), rs);
            }
        }
        List<Row> full = by.getOrDefault(Method.FULL.name(), List.of());
        for (Map.Entry<String, List<Row>> en : by.entrySet()) {
            List<Row> rs = en.getValue();
            double acc = mean(rs, Row::testAccuracy);
            double secs = mean(rs, Row::trainSeconds);
            List<Row> paired = rs.stream().filter(r -> full.stream().anyMatch(f -> f.seed() == r.seed())).toList();
            String delta = paired.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%+.2f",
                    100 * (mean(paired, Row::testAccuracy) - mean(full.stream().filter(f -> paired.stream()
                            .anyMatch(p -> p.seed() == f.seed())).toList(), Row::testAccuracy)));
            String speed = full.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2fx", mean(full, Row::trainSeconds) / secs);
            StringBuilder per = new StringBuilder();
            rs.forEach(r -> per.append(per.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f",
                    100 * r.testAccuracy())));
            Row first = rs.get(0);
            sb.append(String.format(Locale.ROOT, fmt, Method.valueOf(en.getKey()).label(), rs.size(),
                    String.format(Locale.ROOT, "%.2f%% (%s)", 100 * acc, per), delta,
                    String.format(Locale.ROOT, "%.1f", secs), speed,
                    String.format(Locale.ROOT, "%,d (%.2f%%)", first.trainableParameters(),
                            100.0 * first.trainableParameters() / first.totalParameters()),
                    mib(rs.stream().mapToLong(Row::optimizerStateBytes).max().orElse(-1)),
                    mib(rs.stream().mapToLong(Row::peakRssBytes).max().orElse(-1))));
        }
        sb.append("goals: a LoRA method within 0.5 pt of full fine-tuning with <= 1% of the parameters trainable;"
                + " the cached-prefix LoRA >= 3x faster than full fine-tuning\n");
        return sb.toString();
    }

    private static double mean(List<Row> rows, java.util.function.ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /** The rows in {@code file}; none if it does not exist. */
    public static List<Row> read(Path file) {
        return JsonLines.read(file, Row.class);
    }
}
