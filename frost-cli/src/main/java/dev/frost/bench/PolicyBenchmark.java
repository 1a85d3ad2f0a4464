package dev.frost.bench;

import dev.frost.data.ArrayDataset;
import dev.frost.data.Splits;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.policy.AutoFreeze;
import dev.frost.policy.FreezeOut;
import dev.frost.policy.FreezePolicy;
import dev.frost.policy.LinearFreezing;
import dev.frost.metric.Evaluation;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Training from scratch with progressive freezing: the BatchNorm CNN on Fashion-MNIST with the same epochs, optimizer
 * (SGD, Nesterov 0.9, lr 0.1, weight decay 1e-4, as FreezeOut) and base schedule (cosine) under full training,
 * FreezeOut (scaled cubic, unscaled linear), AutoFreeze with the activation cache, and Composer's linear freezing.
 */
public final class PolicyBenchmark {
    /** What to run; {@code trainSize} 0 means the whole training set. */
    public record Options(int epochs, int seeds, int trainSize, int testSize, int batchSize) {
        /** A CI-sized run: 6,000 training and 2,000 test images, 3 epochs, 2 seeds. */
        public static Options quick() {
            return new Options(3, 2, 6000, 2000, 128);
        }

        /** The documented full comparison: all 60,000 / 10,000 images, 8 epochs, 3 seeds. */
        public static Options full() {
            return new Options(8, 3, 0, 0, 128);
        }
    }

    /** One policy on one seed. */
    public record Run(String policy, long seed, double testAccuracy, double seconds, double flopsFraction) {}

    /** Mean and spread over seeds, with ratios to full training. */
    public record Summary(String policy, double accuracy, double accuracySpread, double seconds, double secondsSpread,
                          double flopsFraction, double timeVsFull, double accuracyDeltaPoints) {}

    private record Variant(String name, boolean constantSchedule, boolean cache, Supplier<FreezePolicy> policy) {}

    private PolicyBenchmark() {}

    public static List<Summary> run(ArrayDataset train, ArrayDataset test, Options o, List<Run> runsOut) {
        ArrayDataset tr = o.trainSize() > 0 ? subset(train, o.trainSize()) : train;
        ArrayDataset te = o.testSize() > 0 ? subset(test, o.testSize()) : test;
        List<Variant> variants = List.of(
                new Variant("full training", false, false, () -> null),
                new Variant("FreezeOut cubic scaled", true, true, FreezeOut::defaults),
                new Variant("FreezeOut linear unscaled", true, true,
                        () -> new FreezeOut(0.8, FreezeOut.Scale.LINEAR, false)),
                new Variant("AutoFreeze + cache", false, true, AutoFreeze::new),
                new Variant("linear schedule + cache", false, true, LinearFreezing::new));
        // One short discarded run first, so that no variant pays the JVM's and libtorch's warm-up.
        runOne(variants.get(0), subset(tr, Math.min(tr.size(), 1280)), te,
                new Options(1, 1, 0, 0, o.batchSize()), 99);
        List<Run> runs = new ArrayList<>();
        for (int s = 0; s < o.seeds(); s++) {
            for (Variant v : variants) {
                runs.add(runOne(v, tr, te, o, 100 + s));
            }
        }
        runsOut.addAll(runs);
        List<Summary> out = new ArrayList<>();
        Summary full = null;
        for (Variant v : variants) {
            List<Run> rs = runs.stream().filter(r -> r.policy().equals(v.name())).toList();
            double acc = mean(rs.stream().mapToDouble(Run::testAccuracy).toArray());
            double secs = mean(rs.stream().mapToDouble(Run::seconds).toArray());
            Summary sm = new Summary(v.name(), acc, spread(rs.stream().mapToDouble(Run::testAccuracy).toArray()),
                    secs, spread(rs.stream().mapToDouble(Run::seconds).toArray()),
                    mean(rs.stream().mapToDouble(Run::flopsFraction).toArray()),
                    full == null ? 1.0 : secs / full.seconds(),
                    full == null ? 0.0 : 100 * (acc - full.accuracy()));
            if (full == null) {
                full = sm;
            }
            out.add(sm);
        }
        return out;
    }

    private static Run runOne(Variant v, ArrayDataset train, ArrayDataset test, Options o, long seed) {
        try (FrostModel m = Models.cnn(10, seed)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(o.epochs()).optBatchSize(o.batchSize())
                    .optLearningRate(0.1).optSchedule(v.constantSchedule() ? "constant" : "cosine").optSeed(seed)
                    .optProgressBar(false).optMeasureFullStep(false)
                    .optCache(v.cache() ? CacheConfig.defaults() : null).build();
            FreezePolicy p = v.policy().get();
            Trainer t = p == null ? new Trainer(m, new Sgd(0.9, true, 1e-4), cfg)
                    : new Trainer(m, new Sgd(0.9, true, 1e-4), cfg, p);
            FitResult r = t.fit(train, null);
            Evaluation e = t.evaluate(test);
            return new Run(v.name(), seed, e.accuracy(), r.trainSeconds(),
                    r.executedFlops() / (double) r.fullFlops());
        }
    }

    private static ArrayDataset subset(ArrayDataset d, int n) {
        int perClass = n / d.classes();
        return Splits.stratified(d, perClass, 0, 7).train();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double spread(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    public static String format(List<Summary> rows, Options o, int trainSize, int testSize) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Progressive freezing from scratch: BatchNorm CNN, Fashion-MNIST %d train /"
                + " %d test, %d epochs, SGD Nesterov lr 0.1, %d seeds (mean ± std)%n", trainSize, testSize,
                o.epochs(), o.seeds()));
        String fmt = "%-27s %-16s %-15s %10s %12s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "policy", "test accuracy", "train time s", "FLOPs", "time/full",
                "acc Δ pts"));
        for (Summary s : rows) {
            sb.append(String.format(Locale.ROOT, fmt, s.policy(),
                    String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * s.accuracy(), 100 * s.accuracySpread()),
                    String.format(Locale.ROOT, "%.1f ± %.1f", s.seconds(), s.secondsSpread()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * s.flopsFraction()),
                    String.format(Locale.ROOT, "%.3f", s.timeVsFull()),
                    String.format(Locale.ROOT, "%+.2f", s.accuracyDeltaPoints())));
        }
        sb.append("target: a policy that saves >= 25% wall time (time/full <= 0.75) at <= 0.5 pt accuracy loss\n");
        return sb.toString();
    }
}
