package dev.frost.examples;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.metric.Evaluation;
import dev.frost.model.FrostModel;
import dev.frost.policy.AutoFreeze;
import dev.frost.text.TextDatasets;
import dev.frost.text.WordPieceTokenizer;
import dev.frost.text.bert.Bert;
import dev.frost.text.onnx.MiniLm;
import dev.frost.text.onnx.OnnxGraph;
import dev.frost.train.Callback;
import dev.frost.train.EpochRecord;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The real pretrained MiniLM-L6 fine-tuned on real e-mails (SpamAssassin, spam vs ham) five ways: (a) full
 * fine-tuning, (b) embeddings and the lower k layers frozen, (c) AutoFreeze, (d) AutoFreeze with the activation
 * cache, (e) the whole encoder frozen, its features cached, the head trained.
 */
public final class SpamFineTune {
    /**
     * Sizes and training settings; the test set is held out from training. {@code autoFreezeIntervals} is
     * AutoFreeze's decisions per run (the reference's {@code num_intervals}); {@code schedule} the learning-rate
     * schedule every method uses, by {@link dev.frost.train.LrSchedule#named} name; {@code dropout} the hidden and
     * attention dropout of every method (Hugging Face's fine-tuning default is 0.1; it runs only in layers that train,
     * so a cached prefix stays exact).
     */
    public record Options(int seqLen, int trainSize, int testSize, int epochs, int batchSize, double lr,
                          int frozenLayers, long seed, int headEpochs, int autoFreezeIntervals, String schedule,
                          double dropout) {
        public static final String DEFAULT_SCHEDULE = "onecycle";

        /** With the reference's AutoFreeze intervals per run and one cycle. */
        public Options(int seqLen, int trainSize, int testSize, int epochs, int batchSize, double lr,
                       int frozenLayers, long seed, int headEpochs) {
            this(seqLen, trainSize, testSize, epochs, batchSize, lr, frozenLayers, seed, headEpochs,
                    AutoFreeze.REFERENCE_INTERVALS, DEFAULT_SCHEDULE, 0);
        }

        /**
         * What every row of one results file shares. AutoFreeze's intervals are not among them: its rows carry them
         * in their label, so rows of several interval counts share a file.
         */
        public Map<String, Object> settings() {
            Map<String, Object> s = new LinkedHashMap<>(Map.of("seq_len", seqLen, "train_size", trainSize,
                    "test_size", testSize, "epochs", epochs, "batch_size", batchSize, "lr", lr,
                    "frozen_layers", frozenLayers, "split_seed", seed, "head_epochs", headEpochs));
            if (!schedule.equals(DEFAULT_SCHEDULE)) {
                s.put("schedule", schedule); // files written before the option have none: one cycle
            }
            if (dropout > 0) {
                s.put("dropout", dropout); // absent in older files, which ran without
            }
            return s;
        }

        /** The documented comparison: 128 tokens, 1,600 training e-mails, 3,000 held-out test (resolves 0.5 pt), 2 epochs. */
        public static Options defaults() {
            return new Options(128, 1600, 3000, 2, 16, 1e-4, 4, 42, 2);
        }

        /** A smoke-sized run. */
        public static Options quick() {
            return new Options(64, 160, 200, 1, 16, 1e-4, 4, 42, 1);
        }
    }

    /**
     * One method's result with one training seed; per epoch its wall time and executed FLOPs; {@code freezes}: the
     * fit's freeze timeline (null in rows written before it was recorded). {@code error} is the one-line reason when
     * the run stopped (a divergence), with NaN accuracy; otherwise null.
     */
    public record Row(String method, long seed, int epochs, double testAccuracy, double trainSeconds,
                      long executedFlops, long fullFlops, int frozenGroupsAtEnd, double speedupVsFull,
                      double accuracyDeltaPoints, List<Double> epochSeconds, List<Long> epochFlops, String error,
                      List<FitResult.FreezeEvent> freezes) {}

    private SpamFineTune() {}

    /** The held-out test e-mails and the training e-mails, encoded; one fixed shuffle, so every method sees the same. */
    public record Split(ArrayDataset train, ArrayDataset test) {}

    /** The test e-mails (first {@code testSize} after the shuffle) and the training e-mails (the next ones). */
    public record Emails(List<SpamAssassin.Email> train, List<SpamAssassin.Email> test) {}

    /**
     * Shuffles with {@code seed}, takes the first {@code testSize} e-mails as the test set, the next as training;
     * {@code frost data spam} writes exactly these lists, so a config trained on its JSONL sees the benchmark's split.
     */
    public static Emails shuffle(List<SpamAssassin.Email> emails, int trainSize, int testSize, long seed) {
        if (trainSize + testSize > emails.size()) {
            throw new FrostException("SpamAssassin: " + trainSize + " training + " + testSize
                    + " test e-mails requested, only " + emails.size() + " available");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<SpamAssassin.Email> shuffled = new ArrayList<>(emails);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            SpamAssassin.Email t = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, t);
        }
        return new Emails(List.copyOf(shuffled.subList(testSize, testSize + trainSize)),
                List.copyOf(shuffled.subList(0, testSize)));
    }

    /** {@link #shuffle}'s split, encoded. */
    public static Split split(List<SpamAssassin.Email> emails, int seqLen, int trainSize, int testSize, long seed) {
        Emails e = shuffle(emails, trainSize, testSize, seed);
        WordPieceTokenizer tok = MiniLm.tokenizer();
        return new Split(encode("spam-train", e.train(), tok, seqLen), encode("spam-test", e.test(), tok, seqLen));
    }

    /** The methods this comparison knows; {@link #run(List, Options)} runs them all, in this order. */
    public enum Method { FULL, FROZEN_K, AUTOFREEZE, AUTOFREEZE_CACHE, HEAD_CACHED }

    public static List<Row> run(List<SpamAssassin.Email> emails, Options o) {
        return run(emails, o, List.of(Method.values()));
    }

    /** The chosen methods, full fine-tuning (the reference of speedups and deltas) first when chosen. */
    public static List<Row> run(List<SpamAssassin.Email> emails, Options o, List<Method> methods) {
        Split s = split(emails, o.seqLen(), o.trainSize(), o.testSize(), o.seed());
        OnnxGraph graph = MiniLm.readBundled();
        List<Row> rows = new ArrayList<>();
        for (Method m : methods) {
            rows.add(run(m, o.seed(), graph, s, o, fullRow(rows)));
        }
        return rows;
    }

    /** Display name of each method. */
    public static String label(Method m, Options o) {
        return switch (m) {
            case FULL -> FULL_NAME;
            case FROZEN_K -> "(b) embeddings + " + o.frozenLayers() + " layers frozen";
            case AUTOFREEZE -> "(c) AutoFreeze" + intervals(o);
            case AUTOFREEZE_CACHE -> "(d) AutoFreeze" + intervals(o) + " + cache";
            case HEAD_CACHED -> "(e) encoder frozen, cached, head only";
        };
    }

    /** The interval count in a label when it is not the reference's, so both kinds of rows can share a file. */
    private static String intervals(Options o) {
        return o.autoFreezeIntervals() == AutoFreeze.REFERENCE_INTERVALS ? "" : ", " + o.autoFreezeIntervals() + " intervals";
    }

    /**
     * One method trained with {@code seed} on the split; {@code full} (full fine-tuning's row with the same seed, or
     * null) is the reference of the speed-up and the accuracy delta.
     */
    public static Row run(Method m, long seed, OnnxGraph graph, Split s, Options o, Row full) {
        int groups = Bert.Config.MINILM_L6.layers() + 2;
        String name = label(m, o);
        return switch (m) {
            case FULL -> method(name, seed, graph, s, o, 0, false, false, 1, full);
            case FROZEN_K -> method(name, seed, graph, s, o, 1 + o.frozenLayers(), false, false, 1, full);
            case AUTOFREEZE -> method(name, seed, graph, s, o, 0, true, false, 1, full);
            case AUTOFREEZE_CACHE -> method(name, seed, graph, s, o, 0, true, true, 1, full);
            case HEAD_CACHED -> method(name, seed, graph, s, withEpochs(o, o.headEpochs()), groups - 1, false, true,
                    10, full);
        };
    }

    private static final String FULL_NAME = "(a) full fine-tuning";

    /** Full fine-tuning's row when it ran (it runs first), the reference of speedups, deltas and FLOP shares. */
    private static Row fullRow(List<Row> rows) {
        return rows.isEmpty() || !rows.get(0).method().equals(FULL_NAME) ? null : rows.get(0);
    }

    private static Options withEpochs(Options o, int epochs) {
        return new Options(o.seqLen(), o.trainSize(), o.testSize(), epochs, o.batchSize(), o.lr(), o.frozenLayers(),
                o.seed(), o.headEpochs(), o.autoFreezeIntervals(), o.schedule(), o.dropout());
    }

    private static ArrayDataset encode(String name, List<SpamAssassin.Email> emails, WordPieceTokenizer tok,
                                       int seqLen) {
        List<String> texts = emails.stream().map(SpamAssassin.Email::text).toList();
        int[] labels = emails.stream().mapToInt(SpamAssassin.Email::label).toArray();
        return TextDatasets.encode(name, texts, labels, 2, tok, seqLen);
    }

    private static Row method(String name, long seed, OnnxGraph graph, Split s, Options o, int frozenGroups,
                              boolean autoFreeze, boolean cache, double lrScale, Row full) {
        float p = (float) o.dropout();
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6.withDropout(p, p), o.seqLen(), 2, seed)) {
            MiniLm.loadPretrained(m, graph);
            m.freezeTo(frozenGroups);
            m.group("head").setLrMultiplier(10);
            TrainConfig cfg = TrainConfig.builder().setEpochs(o.epochs()).optBatchSize(o.batchSize())
                    .optLearningRate(o.lr() * lrScale).optSchedule(o.schedule()).optSeed(seed)
                    .optCache(cache ? CacheConfig.defaults() : null).optMeasureFullStep(true).build();
            List<Callback> cbs = autoFreeze ? List.of(AutoFreeze.withEmbeddings("embeddings")
                    .withIntervalsPerRun(o.autoFreezeIntervals())) : List.of();
            try (AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01)) {
                Trainer t = new Trainer(m, opt, cfg, cbs);
                FitResult r;
                try {
                    r = t.fit(s.train(), null);
                } catch (FrostException e) {
                    return new Row(name, seed, o.epochs(), Double.NaN, Double.NaN, 0, 0, m.frozenGroupCount(),
                            Double.NaN, Double.NaN, List.of(), List.of(), e.getMessage(), t.timelineSince(0));
                }
                Evaluation e = t.evaluate(s.test());
                double speed = full == null ? 1.0 : full.trainSeconds() / r.trainSeconds();
                double delta = full == null ? 0.0 : 100 * (e.accuracy() - full.testAccuracy());
                return new Row(name, seed, o.epochs(), e.accuracy(), r.trainSeconds(), r.executedFlops(),
                        r.fullFlops(), m.frozenGroupCount(), speed, delta,
                        r.epochs().stream().map(EpochRecord::trainSeconds).toList(),
                        r.epochs().stream().map(EpochRecord::executedFlops).toList(), null, r.timeline());
            }
        }
    }

    /** FLOPs of full fine-tuning: row (a)'s when it ran (other rows may train more epochs), else the row's own. */
    private static double reference(List<Row> rows, Row r) {
        Row full = fullRow(rows);
        return full != null ? full.executedFlops() : r.fullFlops();
    }

    public static String format(List<Row> rows, Options o) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "MiniLM-L6 (real pretrained weights) on SpamAssassin: %d training / %d"
                        + " held-out test e-mails, %d tokens, %d epochs, batch %d, AdamW lr %.0e (head x10), schedule %s%n",
                o.trainSize(), o.testSize(), o.seqLen(), o.epochs(), o.batchSize(), o.lr(), o.schedule()));
        String fmt = "%-40s %6s %9s %10s %10s %9s %8s %9s%n";
        sb.append(String.format(Locale.ROOT, fmt, "method", "epochs", "test acc", "train s", "TFLOP", "of full", "speedup",
                "acc Δ pt"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.method(), r.epochs(),
                    String.format(Locale.ROOT, "%.2f%%", 100 * r.testAccuracy()),
                    String.format(Locale.ROOT, "%.1f", r.trainSeconds()),
                    String.format(Locale.ROOT, "%.2f", r.executedFlops() / 1e12),
                    String.format(Locale.ROOT, "%.1f%%", 100.0 * r.executedFlops() / reference(rows, r)),
                    String.format(Locale.ROOT, "%.2fx", r.speedupVsFull()),
                    String.format(Locale.ROOT, "%+.2f", r.accuracyDeltaPoints())));
        }
        sb.append("train s: training wall time (test excluded); TFLOP: executed training FLOPs and their share of"
                + " full fine-tuning's; speedup and acc Δ: vs (a)\n");
        return sb.toString();
    }
}
