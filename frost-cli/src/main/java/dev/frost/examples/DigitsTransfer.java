package dev.frost.examples;

import dev.frost.transfer.FineTune;
import dev.frost.transfer.TransferLearning;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Splits;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.cache.Precision;
import dev.frost.io.Checkpoints;
import dev.frost.io.ClasspathCheckpoints;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.metric.Evaluation;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.freeze.optim.AdamW;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The transfer demo: a pretrained CNN transferred to a small labelled set of real handwritten digits, four ways:
 * (a) feature extraction, (b) fine-tune, (c) gradual unfreezing, (d) the same CNN from scratch; every further base
 * (by default the Fashion-MNIST one beside the font-digits one) adds its own feature extraction and fine-tune rows,
 * so the table shows what the pretraining source is worth. Each method runs for several seeds (a different split
 * and initialization each); test sets are never trained on.
 */
public final class DigitsTransfer {
    /** A pretrained base: an embedded resource folder, or a checkpoint folder on disk. */
    public record Base(String name, Path dir, String resource) {
        /** The default base: the CNN pretrained on digits rendered from Debian's fonts (no MNIST image in it). */
        public static final Base FONTS = new Base("font digits", null, "/frost/base/font-cnn/");
        /** The CNN pretrained on Fashion-MNIST. */
        public static final Base FASHION = new Base("Fashion-MNIST", null, "/frost/base/fashion-cnn/");

        public static Base folder(Path dir) {
            return new Base(dir.toString(), dir, null);
        }
    }

    /** The first seed's split (later seeds add 1, 2, ...); {@code frost data digits} writes this one by default. */
    public static final long FIRST_SEED = 1000L;
    /** The demo's split: labelled digits per class for training (default) and for validation. */
    public static final int TRAIN_PER_CLASS = 50;
    public static final int VALID_PER_CLASS = 50;

    /** What to run. Epoch counts are per method; (b) spends {@code freezeEpochs} of its budget frozen. */
    public record Options(List<Base> bases, ArrayDataset digits, String target, int seeds, int trainPerClass, int validPerClass,
                          int epochs, int freezeEpochs, int batchSize, double baseLr, double lrMult,
                          boolean progressBar) {}

    /** One method on one seed. */
    public record Run(String method, long seed, double testAccuracy, double trainSeconds, long backwardFlops,
                      long fullBackwardFlops, long trainableParameters) {}

    /** Mean and spread over seeds of one method. */
    public record Summary(String method, double meanAccuracy, double stdAccuracy, double minAccuracy,
                          double maxAccuracy, double meanSeconds, double backwardFraction, long trainableParameters) {}

    /** Head-only epoch seconds with and without the activation cache (first seed; later = median of epochs 2..n). */
    public record CacheComparison(double uncachedFirst, double uncachedLater, double cachedFirst, double cachedLater,
                                  double speedup, long cacheBytes, double buildSeconds, double float32Accuracy,
                                  double float16Accuracy, double bfloat16Accuracy) {}

    /** Everything the demo measured. */
    public record Report(List<Run> runs, List<Summary> summaries, CacheComparison cache, int trainSize,
                         int validSize, int testSize, Map<String, Object> settings) {}

    static final String FEATURE = "(a) feature extraction";
    static final String FINE_TUNE = "(b) fine-tune";
    static final String GRADUAL = "(c) gradual unfreezing";
    static final String SCRATCH = "(d) from scratch";

    /** The row letter of further base {@code i}: (e) and (f) for the first, then (g) and (h), ... */
    private static char letter(int i, int row) {
        return (char) ('e' + 2 * i + row);
    }

    static String otherFeature(int i, Base b) {
        return "(" + letter(i, 0) + ") feature extraction, " + b.name() + " base";
    }

    static String otherFineTune(int i, Base b) {
        return "(" + letter(i, 1) + ") fine-tune, " + b.name() + " base";
    }

    private DigitsTransfer() {}

    public static Report run(Options o) {
        if (o.bases().isEmpty()) {
            throw new FrostException("the demo needs at least one pretrained base");
        }
        Base base = o.bases().get(0);
        List<Base> others = o.bases().subList(1, o.bases().size());
        List<Run> runs = new ArrayList<>();
        int[] sizes = new int[3];
        CacheComparison cacheComparison = null;
        for (int s = 0; s < o.seeds(); s++) {
            long seed = FIRST_SEED + s;
            Splits.Split split = Splits.stratified(o.digits(), o.trainPerClass(), o.validPerClass(), seed);
            sizes[0] = split.train().size();
            sizes[1] = split.valid().size();
            sizes[2] = split.test().size();
            FineTune.Settings st = FineTune.Settings.defaults().withSeed(seed).withBatchSize(o.batchSize())
                    .withProgressBar(o.progressBar()).withLrMult(o.lrMult()).withMeasuredFullStep(true);
            FineTune.Result[] cached = new FineTune.Result[1];
            runs.add(measure(FEATURE, seed, split, transferred(base, seed), m ->
                    cached[0] = FineTune.featureExtraction(m, split.train(), split.valid(), o.epochs(), 1e-2, st)));
            if (s == 0) {
                try (FrostModel m = transferred(base, seed)) {
                    FineTune.Result plain = FineTune.featureExtraction(m, split.train(), split.valid(), o.epochs(),
                            1e-2, st.withCache(null));
                    double[] acc = new double[2];
                    Precision[] halves = {Precision.FLOAT16, Precision.BFLOAT16};
                    for (int i = 0; i < 2; i++) {
                        Precision p = halves[i];
                        acc[i] = measure(FEATURE, seed, split, transferred(base, seed), h ->
                                FineTune.featureExtraction(h, split.train(), split.valid(), o.epochs(), 1e-2,
                                        st.withCache(CacheConfig.defaults().withPrecision(p)))).testAccuracy();
                    }
                    cacheComparison = compare(plain.phases().get(0), cached[0].phases().get(0),
                            runs.get(runs.size() - 1).testAccuracy(), acc[0], acc[1]);
                }
            }
            runs.add(measure(FINE_TUNE, seed, split, transferred(base, seed), m ->
                    FineTune.fineTune(m, split.train(), split.valid(), o.epochs() - o.freezeEpochs(),
                            o.freezeEpochs(), o.baseLr(), st)));
            int stage = Math.max(1, o.epochs() / 8);
            runs.add(measure(GRADUAL, seed, split, transferred(base, seed), m ->
                    FineTune.gradualUnfreezing(m, split.train(), split.valid(), o.epochs(), stage, o.baseLr(), st)));
            runs.add(measure(SCRATCH, seed, split, Models.cnn(10, seed), m -> scratch(m, split, o, st)));
            for (int i = 0; i < others.size(); i++) {
                Base b = others.get(i);
                runs.add(measure(otherFeature(i, b), seed, split, transferred(b, seed), m ->
                        FineTune.featureExtraction(m, split.train(), split.valid(), o.epochs(), 1e-2, st)));
                runs.add(measure(otherFineTune(i, b), seed, split, transferred(b, seed), m ->
                        FineTune.fineTune(m, split.train(), split.valid(), o.epochs() - o.freezeEpochs(),
                                o.freezeEpochs(), o.baseLr(), st)));
            }
        }
        List<String> methods = new ArrayList<>(List.of(FEATURE, FINE_TUNE, GRADUAL, SCRATCH));
        for (int i = 0; i < others.size(); i++) {
            methods.add(otherFeature(i, others.get(i)));
            methods.add(otherFineTune(i, others.get(i)));
        }
        List<Summary> summaries = new ArrayList<>();
        for (String method : methods) {
            summaries.add(summarize(method, runs.stream().filter(r -> r.method().equals(method)).toList()));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("seeds", o.seeds());
        settings.put("epochs", o.epochs());
        settings.put("freezeEpochs", o.freezeEpochs());
        settings.put("batchSize", o.batchSize());
        settings.put("baseLr", o.baseLr());
        settings.put("lrMult", o.lrMult());
        settings.put("bases", o.bases().stream().map(Base::name).toList());
        settings.put("target", o.target());
        return new Report(runs, summaries, cacheComparison, sizes[0], sizes[1], sizes[2], settings);
    }

    /**
     * The pretrained CNN cut after global pooling, with a fresh head (BatchNorm over the pooled features, then a
     * 10-way Linear, as fastai's heads normalize the features they receive); base frozen.
     */
    public static FrostModel transferred(Base base, long seed) {
        FrostModel pretrained = Models.cnn(10, seed);
        loadBase(base, pretrained);
        return TransferLearning.from(pretrained).cutAfterLayer("gap")
                .addHead("head", Layers.batchNorm("head_bn"), Layers.linear("digit_fc", 10)).optSeed(seed).build();
    }

    /** Loads a base checkpoint, from its folder or its embedded resource folder. */
    public static void loadBase(Base base, FrostModel model) {
        if (base.dir() != null) {
            Checkpoints.loadModel(base.dir(), model);
            return;
        }
        ClasspathCheckpoints.loadModel(DigitsTransfer.class, base.resource(), model);
    }

    private static FineTune.Result scratch(FrostModel m, Splits.Split split, Options o, FineTune.Settings st) {
        m.unfreeze();
        return new FineTune.Result(List.of(FineTune.fitOneCycle(m, split.train(), split.valid(), o.epochs(), 3e-3,
                0.25, 25, st)));
    }

    private static Run measure(String method, long seed, Splits.Split split, FrostModel model,
                               Function<FrostModel, FineTune.Result> body) {
        try (FrostModel m = model) {
            FineTune.Result r = body.apply(m);
            Evaluation e = m.evaluate(split.test());
            long trainable = m.summary().trainableParameters();
            FitResult total = r.total();
            return new Run(method, seed, e.accuracy(), total.trainSeconds(), total.backwardFlops(),
                    total.fullBackwardFlops(), trainable);
        }
    }

    private static CacheComparison compare(FitResult plain, FitResult cached, double f32, double f16,
                                           double bf16) {
        double pl = plain.laterEpochMedianSeconds();
        double cl = cached.laterEpochMedianSeconds();
        return new CacheComparison(plain.epochs().get(0).trainSeconds(), pl, cached.epochs().get(0).trainSeconds(), cl,
                pl / cl, cached.cache().bytes(), cached.cache().buildSeconds(), f32, f16, bf16);
    }


    private static Summary summarize(String method, List<Run> runs) {
        double mean = runs.stream().mapToDouble(Run::testAccuracy).average().orElse(Double.NaN);
        double var = runs.stream().mapToDouble(r -> (r.testAccuracy() - mean) * (r.testAccuracy() - mean)).sum()
                / Math.max(1, runs.size() - 1);
        double secs = runs.stream().mapToDouble(Run::trainSeconds).average().orElse(Double.NaN);
        double bwd = runs.stream().mapToLong(Run::backwardFlops).sum()
                / (double) Math.max(1, runs.stream().mapToLong(Run::fullBackwardFlops).sum());
        return new Summary(method, mean, Math.sqrt(var),
                runs.stream().mapToDouble(Run::testAccuracy).min().orElse(Double.NaN),
                runs.stream().mapToDouble(Run::testAccuracy).max().orElse(Double.NaN), secs, bwd,
                runs.get(runs.size() - 1).trainableParameters());
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Report r) {
        return (List<String>) r.settings().get("bases");
    }

    private static String baseNames(List<String> names) {
        StringBuilder sb = new StringBuilder(names.get(0));
        if (names.size() > 1) {
            sb.append(" (a-d)");
            for (int i = 1; i < names.size(); i++) {
                sb.append(i == names.size() - 1 ? " and " : ", ").append(names.get(i)).append(" (")
                        .append(letter(i - 1, 0)).append('-').append(letter(i - 1, 1)).append(')');
            }
        }
        return sb.toString();
    }

    /** The table as printed. */
    public static String format(Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Transfer: CNN pretrained on %s -> %s; %d labelled training images, %d"
                        + " validation, %d test (never trained on); %s seeds%n",
                baseNames(names(r)), r.settings().get("target"), r.trainSize(), r.validSize(),
                r.testSize(), r.settings().get("seeds")));
        String fmt = "%-44s %-22s %-15s %9s %14s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "method", "test accuracy", "min..max", "time s",
                "backward/full", "trainable"));
        for (Summary s : r.summaries()) {
            sb.append(String.format(Locale.ROOT, fmt, s.method(),
                    String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * s.meanAccuracy(), 100 * s.stdAccuracy()),
                    String.format(Locale.ROOT, "%.2f..%.2f", 100 * s.minAccuracy(), 100 * s.maxAccuracy()),
                    String.format(Locale.ROOT, "%.1f", s.meanSeconds()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * s.backwardFraction()),
                    String.format(Locale.ROOT, "%,d", s.trainableParameters())));
        }
        sb.append("time: mean training wall time per run (validation excluded); backward/full: backward FLOPs executed"
                + " vs training everything; trainable: parameters trainable at the end\n");
        CacheComparison c = r.cache();
        if (c != null) {
            sb.append(String.format(Locale.ROOT, "activation cache, head-only epochs after the first: %.4f s cached vs"
                            + " %.4f s recomputing the frozen base (%.1fx); first epoch %.4f s vs %.4f s; cache %,d"
                            + " bytes, built in %.3f s%n", c.cachedLater(), c.uncachedLater(), c.speedup(),
                    c.cachedFirst(), c.uncachedFirst(), c.cacheBytes(), c.buildSeconds()));
            sb.append(String.format(Locale.ROOT, "cache precision, feature extraction test accuracy (first seed):"
                            + " float32 %.2f%%, float16 %.2f%%, bfloat16 %.2f%% (half the cache bytes)%n",
                    100 * c.float32Accuracy(), 100 * c.float16Accuracy(), 100 * c.bfloat16Accuracy()));
        }
        return sb.toString();
    }
}
