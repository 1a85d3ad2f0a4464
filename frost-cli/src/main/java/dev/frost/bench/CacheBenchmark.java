package dev.frost.bench;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Epoch time with and without the activation cache, side by side in one run: the BatchNorm CNN on synthetic
 * images, training the head only and the top two groups. Epoch 1 fills the cache; later epochs read it.
 */
public final class CacheBenchmark {
    /** One setting. Times in seconds; later-epoch times are medians over epochs 2..n. */
    public record Row(String mode, int frozenGroups, double uncachedFirst, double uncachedLater, double cachedFirst,
                      double cachedLater, double speedup, long cacheBytes, double buildSeconds) {}

    private CacheBenchmark() {}

    public static List<Row> run(int examples, int epochs) {
        ArrayDataset data = SyntheticData.classification("bench-images", examples, new Shape(1, 28, 28), 10, 1);
        List<Row> rows = new ArrayList<>();
        rows.add(measure("head-only", 3, data, epochs));
        rows.add(measure("top-2-groups", 2, data, epochs));
        return rows;
    }

    private static Row measure(String mode, int frozen, ArrayDataset data, int epochs) {
        FitResult plain = fit(frozen, data, epochs, null);
        FitResult cached = fit(frozen, data, epochs, CacheConfig.defaults());
        double uncachedLater = plain.laterEpochMedianSeconds();
        double cachedLater = cached.laterEpochMedianSeconds();
        return new Row(mode, frozen, plain.epochs().get(0).trainSeconds(), uncachedLater,
                cached.epochs().get(0).trainSeconds(), cachedLater, uncachedLater / cachedLater,
                cached.cache().bytes(), cached.cache().buildSeconds());
    }

    private static FitResult fit(int frozen, ArrayDataset data, int epochs, CacheConfig cache) {
        try (FrostModel m = Models.cnn(10, 0)) {
            m.freezeTo(frozen);
            TrainConfig cfg = TrainConfig.builder().setEpochs(epochs).optBatchSize(128).optLearningRate(1e-3)
                    .optProgressBar(false).optMeasureFullStep(false).optCache(cache).build();
            return new Trainer(m, new AdamW(), cfg).fit(data, null);
        }
    }


    public static String format(List<Row> rows, int examples) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Activation cache: CNN b128, %d synthetic images per epoch; seconds per"
                + " epoch (later = median of epochs 2..n)%n", examples));
        String fmt = "%-13s %6s %12s %12s %12s %12s %9s %12s %9s%n";
        sb.append(String.format(Locale.ROOT, fmt, "mode", "frozen", "plain 1st", "plain later", "cached 1st",
                "cached later", "speed-up", "cache bytes", "build s"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.mode(), r.frozenGroups(), f(r.uncachedFirst()),
                    f(r.uncachedLater()), f(r.cachedFirst()), f(r.cachedLater()),
                    String.format(Locale.ROOT, "%.1fx", r.speedup()), String.format(Locale.ROOT, "%,d", r.cacheBytes()),
                    f(r.buildSeconds())));
        }
        sb.append("target: head-only epochs after the first >= 20x faster than re-running the frozen base\n");
        return sb.toString();
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
