package dev.frost.cli.train;

import dev.frost.FrostException;
import dev.frost.data.LabelKind;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.cache.Precision;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.freeze.optim.Sgd;
import dev.frost.loss.Loss;
import dev.frost.loss.Losses;
import dev.frost.metric.Metric;
import dev.frost.metric.Metrics;
import dev.frost.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;

/** The {@code trainer.*} and {@code strategy.cache} keys as library objects, each checked with its key's name. */
public final class Objectives {
    private Objectives() {}

    /** Checks the numeric ranges of {@code trainer.*} and {@code run.*} before anything is read. */
    public static void checkRanges(RunSpec spec) {
        RunSpec.Trainer t = spec.trainer();
        atLeast("trainer.epochs", t.epochs(), 1);
        atLeast("trainer.batch_size", t.batchSize(), 1);
        atLeast("trainer.accumulate", t.accumulate(), 1);
        atLeast("trainer.stop_after_steps", t.stopAfterSteps(), 0);
        atLeast("trainer.early_stopping.patience", t.earlyStopping().patience(), 0);
        atLeast("trainer.checkpoint.keep_last", t.checkpoint().keepLast(), 1);
        atLeast("run.threads", spec.run().threads(), 0);
        if (!(t.labelSmoothing() >= 0 && t.labelSmoothing() < 1)) {
            throw new FrostException("trainer.label_smoothing must be in [0, 1), got " + t.labelSmoothing());
        }
        if (!(t.lr() > 0) || t.lr().isInfinite()) {
            throw new FrostException("trainer.lr must be positive and finite, got " + t.lr());
        }
        if (!(t.clipNorm() >= 0) || t.clipNorm().isInfinite()) {
            throw new FrostException("trainer.clip_norm must be >= 0 (0: off), got " + t.clipNorm());
        }
        if (spec.strategy().cache().memoryBudgetMb() < 0) {
            throw new FrostException("strategy.cache.memory_budget_mb must be >= 0");
        }
    }

    private static void atLeast(String key, long v, long min) {
        if (v < min) {
            throw new FrostException(key + " must be >= " + min + ", got " + v);
        }
    }

    /**
     * The checkpoint's and early stopping's monitors name a quantity the run records ({@code train_} or
     * {@code valid_} with {@code loss} or one of the metrics): refused before the run starts, not after epoch 1.
     */
    static void checkMonitors(RunSpec spec, TrainConfig cfg, LabelKind kind) {
        List<Metric> metrics = cfg.metrics() != null ? cfg.metrics() : dev.frost.metric.Metrics.defaultsFor(kind);
        List<String> known = new ArrayList<>(List.of("loss"));
        metrics.forEach(m -> known.add(m.name()));
        RunSpec.Trainer t = spec.trainer();
        java.util.Map<String, String> monitors = new java.util.LinkedHashMap<>();
        monitors.put("trainer.checkpoint.monitor", t.checkpoint().monitor());
        if (t.earlyStopping().patience() > 0) {
            monitors.put("trainer.early_stopping.monitor", t.earlyStopping().monitor());
        }
        monitors.forEach((key, name) -> {
            dev.frost.train.callbacks.Monitor m;
            try {
                m = dev.frost.train.callbacks.Monitor.of(name);
            } catch (FrostException e) {
                m = null;
            }
            if (m == null || !known.contains(m.quantity())) {
                throw new FrostException(key + ": '" + name + "' is not a quantity this run records (use train_ or"
                        + " valid_ followed by one of " + String.join(", ", known) + ")");
            }
        });
    }

    /** The template every phase's config starts from: batch, seed, loss, metrics, clipping, cache, full-step probe. */
    public static TrainConfig.Builder template(RunSpec spec, LabelKind kind) {
        RunSpec.Trainer t = spec.trainer();
        TrainConfig.Builder b = TrainConfig.builder().optBatchSize(t.batchSize()).optSeed(spec.run().seed())
                .optMeasureFullStep(true).optProgressBar(t.progressBar()).optGradientClipNorm(t.clipNorm())
                .optAccumulateBatches(t.accumulate())
                .optNoDecayOnBiasAndNorm(Boolean.TRUE.equals(t.optimizer().noDecayOnBiasAndNorm()));
        Loss loss = loss(t, kind);
        if (loss != null) {
            try {
                Losses.check(loss, kind);
            } catch (FrostException e) {
                throw new FrostException("trainer.loss: " + e.getMessage(), e);
            }
            b.optLoss(loss);
        }
        List<Metric> metrics = metrics(t.metrics(), kind);
        if (metrics != null) {
            b.optMetrics(metrics.toArray(Metric[]::new));
        }
        RunSpec.Cache c = spec.strategy().cache();
        Precision p = Strategies.enumOf(Precision.class, "strategy.cache.precision", c.precision());
        if (c.enabled()) {
            b.optCache(CacheConfig.defaults().withMemoryBudget(c.memoryBudgetMb() << 20).withPrecision(p)
                    .withFeatures(c.features() == null ? null : java.nio.file.Path.of(c.features())));
        }
        return b;
    }

    private static Loss loss(RunSpec.Trainer t, LabelKind kind) {
        return switch (t.loss()) {
            // auto: the default for the labels, with the label smoothing asked for when they are classes
            case "auto" -> kind == LabelKind.CLASS && t.labelSmoothing() != null && t.labelSmoothing() != 0
                    ? Losses.softmaxCrossEntropy(t.labelSmoothing()) : null;
            case "cross-entropy" -> Losses.softmaxCrossEntropy(t.labelSmoothing());
            case "bce" -> Losses.binaryCrossEntropy();
            case "mse" -> Losses.mse();
            case "l1" -> Losses.l1();
            case "huber" -> Losses.huber(t.huberDelta());
            default -> throw new FrostException("trainer.loss: unknown loss '" + t.loss()
                    + "' (use auto, cross-entropy, bce, mse, l1 or huber)");
        };
    }

    private static List<Metric> metrics(List<String> names, LabelKind kind) {
        if (names.equals(List.of("auto"))) {
            return null;
        }
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            Metric m = switch (n) {
                case "accuracy" -> Metrics.accuracy();
                case "precision" -> Metrics.precision();
                case "recall" -> Metrics.recall();
                case "f1" -> Metrics.f1();
                case "mae" -> Metrics.mae();
                case "rmse" -> Metrics.rmse();
                default -> {
                    if (n.matches("top[1-9][0-9]*")) {
                        yield Metrics.topK(Integer.parseInt(n.substring(3)));
                    }
                    throw new FrostException("trainer.metrics: unknown metric '" + n
                            + "' (use auto, accuracy, topK such as top5, precision, recall, f1, mae, rmse)");
                }
            };
            try {
                Metrics.check(m, kind);
            } catch (FrostException e) {
                throw new FrostException("trainer.metrics: " + e.getMessage(), e);
            }
            out.add(m);
        }
        return out;
    }

    /** A fresh optimizer for one phase. */
    public static Optimizer optimizer(RunSpec.Optimizer o) {
        if (!(o.weightDecay() >= 0)) {
            throw new FrostException("trainer.optimizer.weight_decay must be >= 0, got " + o.weightDecay());
        }
        return switch (o.type()) {
            case "adamw" -> new AdamW(o.beta1(), o.beta2(), o.eps(), o.weightDecay());
            case "sgd" -> new Sgd(o.momentum(), o.nesterov(), o.weightDecay());
            default -> throw new FrostException("trainer.optimizer.type: unknown optimizer '" + o.type()
                    + "' (use adamw or sgd)");
        };
    }
}
