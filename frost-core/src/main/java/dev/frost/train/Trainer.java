package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.frost.FrostException;
import dev.frost.data.Augmentation;
import dev.frost.data.Batch;
import dev.frost.data.BatchLoader;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.HostBatch;
import dev.frost.data.LabelKind;
import dev.frost.engine.Autograd;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.freeze.optim.ParamGroup;
import dev.frost.loss.Loss;
import dev.frost.loss.Losses;
import dev.frost.metric.Metric;
import dev.frost.metric.Metrics;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training loop. Each step: re-apply the freeze state, run the frozen prefix without autograd, record the rest,
 * backward, then let the optimizer update the parameter groups. Deterministic for a fixed seed and thread count:
 * the epoch order depends on (seed, epoch) and libtorch's generator is reseeded from (seed, global step), so a run
 * resumed from a checkpoint reproduces the uninterrupted one.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final FrostModel model;
    private final Optimizer optimizer;
    private final TrainConfig config;
    private final List<Callback> callbacks;
    private Progress progress = Progress.START;
    private double fullStepSeconds = Double.NaN;
    private ActivationCache cache;
    private TrainingContext running;
    private final List<FitResult.FreezeEvent> timeline = new ArrayList<>();
    private boolean[] lastFrozen;
    private String reportedRefusal;
    private Loss loss;
    private List<Metric> metrics;

    public Trainer(FrostModel model, Optimizer optimizer, TrainConfig config, List<Callback> callbacks) {
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.callbacks = List.copyOf(callbacks);
    }

    public Trainer(FrostModel model, Optimizer optimizer, TrainConfig config, Callback... callbacks) {
        this(model, optimizer, config, List.of(callbacks));
    }

    public FrostModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public TrainConfig config() {
        return config;
    }

    /** The callbacks of this trainer, in order (freezing policies among them). */
    public List<Callback> callbacks() {
        return callbacks;
    }

    public Progress progress() {
        return progress;
    }

    /** Continues from a saved position (the optimizer state is restored separately, by the checkpoint reader). */
    public void resumeAt(Progress saved) {
        this.progress = saved;
    }

    /**
     * Trains for the configured epochs from the current progress; {@code valid} may be null. The loss and metrics
     * are the config's, or the defaults for the training data's label kind.
     */
    public FitResult fit(Dataset train, Dataset valid) {
        checkData(train);
        if (valid != null) {
            checkData(valid);
            if (valid.labelKind() != train.labelKind()) {
                throw new FrostException("validation set '" + valid.name() + "' has " + valid.labelKind()
                        + " labels but the training set '" + train.name() + "' has " + train.labelKind());
            }
        }
        resolveObjective(train.labelKind());
        List<EpochRecord> history = new ArrayList<>();
        TrainingContext ctx = new TrainingContext(this, history);
        try (ActivationCache c = config.cache() == null ? null : new ActivationCache(config.cache())) {
            cache = c;
            running = ctx;
            reportedRefusal = null;
            timeline.clear();
            lastFrozen = null;
            return fitLoop(train, valid, ctx, history);
        } finally {
            cache = null;
            running = null;
        }
    }

    private void resolveObjective(LabelKind kind) {
        loss = config.loss() != null ? config.loss() : Losses.defaultFor(kind);
        metrics = config.metrics() != null ? config.metrics() : Metrics.defaultsFor(kind);
        metrics.forEach(m -> Metrics.check(m, kind));
    }

    /** The loss this trainer optimizes (after a fit started, or as the config gives it). */
    public Loss loss() {
        return loss;
    }

    private FitResult fitLoop(Dataset train, Dataset valid, TrainingContext ctx, List<EpochRecord> history) {
        int n = train.size();
        int bs = config.batchSize();
        ctx.stepsPerEpoch = (n + bs - 1) / bs;
        ctx.totalSteps = ctx.stepsPerEpoch * config.epochs();
        callbacks.forEach(c -> c.beforeFit(ctx));
        boolean stopped = false;
        while (progress.epoch() < config.epochs() && !stopped) {
            int epoch = progress.epoch();
            callbacks.forEach(c -> c.beforeEpoch(ctx));
            if (cache != null) {
                cache.newEpoch();
            }
            int[] order = EpochOrder.of(n, config.seed(), epoch, config.shuffle());
            EpochAccumulator acc = new EpochAccumulator(metrics);
            Augmentation aug = config.augmentation();
            int fixedViews = config.augmentedViews();
            long augSeed = config.seed() * 7_919L + (fixedViews > 0 ? epoch % fixedViews : epoch);
            try (ProgressView bar = ProgressView.open(config.progressBar(), "epoch " + (epoch + 1) + "/"
                    + config.epochs(), ctx.stepsPerEpoch, progress.stepInEpoch());
                 BatchLoader loader = new BatchLoader(train, order, bs, (int) progress.stepInEpoch(), aug, augSeed,
                         config.prefetch())) {
                while (progress.stepInEpoch() < ctx.stepsPerEpoch) {
                    callbacks.forEach(c -> c.beforeStep(ctx));
                    HostBatch batch = loader.next();
                    double lr = config.learningRate() * config.schedule().factor(progress.globalStep(), ctx.totalSteps);
                    long t0 = System.nanoTime();
                    StepResult r = trainStep(train, batch, lr, acc, epoch, augSeed);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    acc.addStep(r, seconds, acc.lastStepHadFrozen ? fullStepTime(train, batch.size()) : seconds);
                    if (!Double.isFinite(r.meanLoss()) && !acc.reportedNonFinite) {
                        LOG.warn("loss is {} at step {}: training diverged (lower the learning rate)", r.meanLoss(),
                                progress.globalStep());
                        acc.reportedNonFinite = true;
                    }
                    ctx.lastLoss = r.meanLoss();
                    ctx.lastLr = lr;
                    progress = progress.nextStep();
                    bar.step(r.meanLoss());
                    callbacks.forEach(c -> c.afterStep(ctx));
                    if (ctx.stopRequested) {
                        stopped = true;
                        break;
                    }
                }
            }
            Evaluation v = valid == null || stopped ? null : evaluate(valid);
            EpochRecord record = acc.toRecord(epoch, v, learningRates(ctx.lastLr));
            history.add(record);
            if (!stopped) {
                progress = progress.nextEpoch();
            }
            LOG.info(describe(record));
            callbacks.forEach(c -> c.afterEpoch(ctx));
            stopped |= ctx.stopRequested;
        }
        callbacks.forEach(c -> c.afterFit(ctx));
        FitResult result = new FitResult(List.copyOf(history), stopped, cache == null ? null : cache.stats(),
                List.copyOf(timeline));
        return result;
    }

    private StepResult trainStep(Dataset data, HostBatch batch, double lr, EpochAccumulator acc, int epoch,
                                 long augSeed) {
        FrostEngine.seed(config.seed() * 1_000_003L + progress.globalStep());
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        if (prefix == model.layers().size()) {
            throw new FrostException("every layer is frozen, so there is nothing to train: unfreeze a group"
                    + " (model.unfreeze() or model.freezeTo(n))");
        }
        recordFreezeChanges(epoch);
        int n = batch.size();
        StepFlops flops = StepFlops.of(model, false).times(n);
        acc.lastStepHadFrozen = prefix > 0 || !model.frozenPaths().isEmpty();
        acc.frozenGroups = model.frozenGroupCount();
        acc.prefixLayers = prefix;
        Augmentation aug = config.augmentation();
        int fixedViews = config.augmentedViews();
        int view = aug != null && fixedViews > 0 ? epoch % fixedViews : 0;
        try (NDManager step = model.manager().newSubManager()) {
            NDArray y = batch.labels(step);
            Map<String, NDArray> side = batch.sideInputs(step);
            NDArray h;
            if (cacheServes(prefix)) {
                h = cache.activations(model, data, batch.indices(), prefix, view,
                        aug == null ? 1 : fixedViews, aug, augSeed, step);
                flops = flops.minusForward(model.forwardFlops(0, prefix) * n - cache.lastComputedFlops());
            } else {
                h = model.runFrozen(batch.toEngine(step).features(), side, 0, prefix);
            }
            acc.addFlops(flops);
            return trainFrom(h, side, y, lr, prefix, acc.metrics);
        }
    }

    private void recordFreezeChanges(int epoch) {
        List<LayerGroup> groups = model.groups();
        boolean[] now = new boolean[groups.size()];
        for (int i = 0; i < now.length; i++) {
            now[i] = groups.get(i).isFrozen();
            if (lastFrozen == null ? now[i] : now[i] != lastFrozen[i]) {
                timeline.add(new FitResult.FreezeEvent(progress.globalStep(), epoch, groups.get(i).name(), now[i]));
            }
        }
        lastFrozen = now;
    }

    /** Whether the activation cache may serve this prefix; a refusal is logged once per reason. */
    private boolean cacheServes(int prefix) {
        if (cache == null || prefix == 0) {
            return false;
        }
        String why = ActivationCache.refusal(model, prefix,
                config.augmentation() != null && config.augmentedViews() == 0);
        if (why != null && !why.equals(reportedRefusal)) {
            LOG.info("activation cache refused: {}", why);
            reportedRefusal = why;
        }
        return why == null;
    }

    /**
     * One optimization step on a batch already on the engine. The caller has applied the freeze state;
     * {@code prefix} is {@link FrostModel#frozenPrefixLength()}.
     */
    public StepResult trainStep(NDArray x, NDArray y, double lr, int prefix) {
        return trainStep(new Batch(x, Map.of(), y), lr, prefix);
    }

    /** One optimization step on a batch with side inputs; see {@link #trainStep(NDArray, NDArray, double, int)}. */
    public StepResult trainStep(Batch batch, double lr, int prefix) {
        if (loss == null) {
            resolveObjective(batch.labels().getDataType().isInteger() ? LabelKind.CLASS : LabelKind.REGRESSION);
        }
        return trainFrom(model.runFrozen(batch.features(), batch.sideInputs(), 0, prefix), batch.sideInputs(),
                batch.labels(), lr, prefix, List.of());
    }

    /**
     * One optimization step of layers {@code [from, end)} on activations {@code h} that already went through the
     * layers before {@code from} (a frozen prefix, or the activation cache).
     */
    public StepResult trainFrom(NDArray h, NDArray y, double lr, int from) {
        if (loss == null) {
            resolveObjective(y.getDataType().isInteger() ? LabelKind.CLASS : LabelKind.REGRESSION);
        }
        return trainFrom(h, Map.of(), y, lr, from, List.of());
    }

    private StepResult trainFrom(NDArray h, Map<String, NDArray> side, NDArray y, double lr, int from,
                                 List<Metric.Accumulator> accumulators) {
        NDArray out;
        NDArray value;
        try (GradientCollector gc = Autograd.record()) {
            out = model.forward(h, side, true, from, model.layers().size());
            value = loss.compute(out, y);
            gc.backward(value);
        }
        if (running != null) {
            callbacks.forEach(c -> c.afterBackward(running));
        }
        optimizer.step(ParamGroup.of(model), lr);
        long n = y.getShape().get(0);
        NDArray detached = out.stopGradient();
        accumulators.forEach(a -> a.add(detached, y));
        return new StepResult(value.getFloat() * n, n);
    }

    /** Mean loss and the metrics in inference mode, without autograd. */
    public Evaluation evaluate(Dataset data) {
        checkData(data);
        if (loss == null) {
            resolveObjective(data.labelKind());
        }
        int bs = Math.max(config.batchSize(), 256);
        int[] order = EpochOrder.of(data.size(), 0, 0, false);
        List<Metric.Accumulator> accs = metrics.stream().map(Metric::newAccumulator).toList();
        double lossSum = 0;
        try (BatchLoader loader = new BatchLoader(data, order, bs, 0, null, 0, config.prefetch())) {
            while (loader.hasNext()) {
                HostBatch hb = loader.next();
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray y = hb.labels(m);
                    NDArray out = Autograd.withoutRecording(() -> evalForward(data, hb, m));
                    lossSum += loss.compute(out, y).getFloat() * hb.size();
                    accs.forEach(a -> a.add(out, y));
                }
            }
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < metrics.size(); i++) {
            values.put(metrics.get(i).name(), accs.get(i).value());
        }
        return new Evaluation(lossSum / data.size(), values, data.size());
    }

    /** Inference forward; inside a fit, a cacheable frozen prefix is served by the cache (outputs are identical). */
    private NDArray evalForward(Dataset data, HostBatch hb, NDManager m) {
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        Map<String, NDArray> side = hb.sideInputs(m);
        if (prefix < model.layers().size() && cache != null && prefix > 0
                && ActivationCache.refusal(model, prefix, false) == null) {
            NDArray h = cache.activations(model, data, hb.indices(), prefix, 0, 1, null, 0, m);
            return model.forward(h, side, false, prefix, model.layers().size());
        }
        return model.predict(hb.toEngine(m).features(), side);
    }

    private double fullStepTime(Dataset data, int batch) {
        if (!config.measureFullStep()) {
            return Double.NaN;
        }
        if (Double.isNaN(fullStepSeconds)) {
            fullStepSeconds = FullStepProbe.measureSeconds(model, data, loss, config.batchSize(), 3);
        }
        return fullStepSeconds * batch / config.batchSize();
    }

    private Map<String, Double> learningRates(double lastLr) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (LayerGroup g : model.groups()) {
            out.put(g.name(), g.isFrozen() ? 0.0 : lastLr * g.lrMultiplier());
        }
        return out;
    }

    private void checkData(Dataset data) {
        if (data.size() == 0) {
            throw new FrostException("dataset '" + data.name() + "' is empty");
        }
        if (!data.exampleShape().equals(model.inputShape())) {
            throw new FrostException("dataset '" + data.name() + "' has examples of shape " + data.exampleShape()
                    + " but the model expects " + model.inputShape());
        }
        model.sideInputShapes().forEach((name, shape) -> {
            Shape has = data.sideInputShapes().get(name);
            if (!shape.equals(has)) {
                throw new FrostException("dataset '" + data.name() + "' " + (has == null ? "has no side input '"
                        + name + "'" : "has side input '" + name + "' of shape " + has) + " but the model needs '"
                        + name + "' of shape " + shape);
            }
        });
        Shape out = model.outputShape();
        long outputs = out.get(out.dimension() - 1);
        if (data.labelKind() == LabelKind.CLASS ? data.labelWidth() > outputs : data.labelWidth() != outputs) {
            throw new FrostException("dataset '" + data.name() + "' has " + data.labelWidth() + " "
                    + (data.labelKind() == LabelKind.REGRESSION ? "targets" : "classes") + " but the model outputs "
                    + outputs);
        }
    }

    private static String describe(EpochRecord r) {
        return String.format(Locale.ROOT,
                "epoch %d: loss %.4f%s%s | %.1f s, %.2f GFLOP (%.0f%% of full), frozen groups %d",
                r.epoch() + 1, r.trainLoss(), metricText(r.trainMetrics()),
                Double.isNaN(r.validLoss()) ? "" : String.format(Locale.ROOT, " | valid loss %.4f%s",
                        r.validLoss(), metricText(r.validMetrics())),
                r.trainSeconds(), r.executedFlops() / 1e9,
                r.fullFlops() == 0 ? 100.0 : 100.0 * r.executedFlops() / r.fullFlops(), r.frozenGroups());
    }

    private static String metricText(Map<String, Double> values) {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
        return sb.toString();
    }

    /** Sums of one epoch. */
    private static final class EpochAccumulator {
        final List<Metric> metricDefs;
        final List<Metric.Accumulator> metrics;
        double lossSum;
        long examples;
        long steps;
        double seconds;
        double fullSeconds;
        long fwd;
        long bwd;
        long fullFwd;
        long fullBwd;
        boolean lastStepHadFrozen;
        boolean reportedNonFinite;
        int frozenGroups;
        int prefixLayers;

        EpochAccumulator(List<Metric> defs) {
            this.metricDefs = defs;
            this.metrics = defs.stream().map(Metric::newAccumulator).toList();
        }

        void addFlops(StepFlops f) {
            fwd += f.forward();
            bwd += f.backward();
            fullFwd += f.fullForward();
            fullBwd += f.fullBackward();
        }

        void addStep(StepResult r, double stepSeconds, double fullStepSeconds) {
            lossSum += r.lossSum();
            examples += r.examples();
            steps++;
            seconds += stepSeconds;
            fullSeconds += fullStepSeconds;
        }

        EpochRecord toRecord(int epoch, Evaluation v, Map<String, Double> lrs) {
            Map<String, Double> train = new LinkedHashMap<>();
            for (int i = 0; i < metricDefs.size(); i++) {
                train.put(metricDefs.get(i).name(), metrics.get(i).value());
            }
            return new EpochRecord(epoch, examples == 0 ? Double.NaN : lossSum / examples,
                    v == null ? Double.NaN : v.loss(), train, v == null ? Map.of() : v.metrics(),
                    seconds, fullSeconds, steps, fwd, bwd, fullFwd, fullBwd, frozenGroups, prefixLayers, lrs);
        }
    }
}
