package dev.frost.train;

import ai.djl.ndarray.NDArray;
import dev.frost.FrostException;
import dev.frost.data.Augmentation;
import dev.frost.data.Batch;
import dev.frost.data.BatchLoader;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.LabelKind;
import dev.frost.engine.Autograd;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.loss.Loss;
import dev.frost.loss.Losses;
import dev.frost.metric.Evaluation;
import dev.frost.metric.Metric;
import dev.frost.metric.Metrics;
import dev.frost.model.FrostModel;
import dev.frost.model.Inference;
import dev.frost.model.LayerGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: a fixed skeleton with named events ({@link Callback}). {@code fit} is re-entrant: each call
 * trains that many more epochs from where the model is, with its own schedule; a call interrupted by a stop request
 * (or a resume from a checkpoint) is continued by the next call; a call that failed with an exception is not.
 * One thread drives a trainer and its model (see {@link FrostModel}). Deterministic for a fixed seed and
 * thread count: the epoch order depends on (seed, epoch) and libtorch's generator is reseeded from (seed, global
 * step), so a resumed run reproduces the uninterrupted one.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final FrostModel model;
    private final Optimizer optimizer;
    private final TrainConfig config;
    private final List<Callback> callbacks;
    // the callbacks still called: detach() removes one for the rest of the run (copy-on-write: the loop may be
    // iterating the old list when a callback detaches another)
    private volatile List<Callback> active;
    private final TrainStep step;
    private Progress progress = Progress.START;
    /** The last fit call ended in an exception: the next call starts afresh instead of continuing it. */
    private boolean callFailed;
    private double fullStepSeconds = Double.NaN;
    private ActivationCache cache;
    private TrainingContext running;
    private final List<FitResult.FreezeEvent> timeline = new ArrayList<>();
    private boolean[] lastFrozen;
    private String[] changedBy;
    private int cacheBoundary;
    private String reportedRefusal;
    private Loss loss;
    private List<Metric> metrics;
    private String expectedTrainData;
    private String trainData;

    public Trainer(FrostModel model, Optimizer optimizer, TrainConfig config, List<Callback> callbacks) {
        if (model == null || optimizer == null || config == null || callbacks == null
                || callbacks.stream().anyMatch(c -> c == null)) {
            throw new FrostException("a trainer needs a model, an optimizer, a config and non-null callbacks, got "
                    + (model == null ? "no model" : optimizer == null ? "no optimizer" : config == null ? "no config"
                    : "a null callback"));
        }
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.callbacks = List.copyOf(callbacks);
        this.active = this.callbacks;
        this.step = new TrainStep(model, optimizer, config, () -> active);
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

    /**
     * Stops calling {@code callback} (e.g. a freezing policy the user took over from the dashboard) from the next
     * hook on, for the rest of this trainer's life; its state is still saved in checkpoints.
     */
    public synchronized void detach(Callback callback) {
        if (!callbacks.contains(callback)) {
            throw new FrostException("cannot detach " + callback + ": not a callback of this trainer");
        }
        active = active.stream().filter(c -> c != callback).toList();
    }

    /** Whether {@link #detach} removed this callback. */
    public boolean isDetached(Callback callback) {
        return callbacks.contains(callback) && !active.contains(callback);
    }

    /** The activation cache's counters in the current fit, or null when the cache is off or no fit runs. */
    public ActivationCache.Stats cacheStats() {
        ActivationCache c = cache;
        return c == null ? null : c.stats();
    }

    /**
     * The freeze timeline of the current fit from event {@code from} on (read it on the training thread, e.g. in a
     * callback's afterStep; a new fit starts it again).
     */
    public List<FitResult.FreezeEvent> timelineSince(int from) {
        return from >= timeline.size() ? List.of() : List.copyOf(timeline.subList(from, timeline.size()));
    }

    /** Index of the layer whose input the cache served at the last step (0: it served nothing). */
    public int cacheBoundary() {
        return cacheBoundary;
    }

    public Progress progress() {
        return progress;
    }

    /** Continues from a saved position (the optimizer state is restored separately, by the checkpoint reader). */
    public void resumeAt(Progress saved) {
        this.progress = saved;
        this.callFailed = false;
    }

    /**
     * The fingerprint (hex) the next fit's training data must have, or null for any: a resumed run refuses other
     * data, which would silently train on other examples.
     */
    public void expectTrainData(String fingerprint) {
        this.expectedTrainData = fingerprint;
    }

    /** Fingerprint (hex) of the training data of the current or last fit, or null before any fit. */
    public String trainDataFingerprint() {
        return trainData;
    }

    /** Names of the metrics of the current (or last) fit. */
    public List<String> metricNames() {
        return metrics == null ? List.of() : metrics.stream().map(Metric::name).toList();
    }

    /** The loss this trainer optimizes (once a fit or evaluation has resolved it from the data). */
    public Loss loss() {
        return loss;
    }

    /** Trains {@code config.epochs()} more epochs (or continues an interrupted call); {@code valid} may be null. */
    public FitResult fit(Dataset train, Dataset valid) {
        return fit(train, valid, config.epochs());
    }

    /**
     * Trains {@code epochs} more epochs from where the model is, with this call's own schedule (a one-cycle spans
     * this call). If the previous call was interrupted, it is continued instead, with the epochs it was given.
     */
    public FitResult fit(Dataset train, Dataset valid, int epochs) {
        if (epochs <= 0) {
            throw new FrostException("epochs must be positive, got " + epochs);
        }
        FitChecks.data(model, config, train);
        if (valid != null) {
            FitChecks.data(model, config, valid);
            if (valid.labelKind() != train.labelKind()) {
                throw new FrostException("validation set '" + valid.name() + "' has " + valid.labelKind()
                        + " labels but the training set '" + train.name() + "' has " + train.labelKind());
            }
        }
        String fingerprint = Long.toHexString(train.fingerprint());
        if (expectedTrainData != null && !expectedTrainData.equals(fingerprint)) {
            throw new FrostException("training data '" + train.name() + "' (fingerprint " + fingerprint + ") is not"
                    + " the data the resumed checkpoint was trained on (" + expectedTrainData + "); resume with the"
                    + " same data or allow the change (Checkpoints.resume(dir, trainer, true))");
        }
        trainData = fingerprint;
        int batches = FitChecks.batchesPerEpoch(model, config, train);
        resolveObjective(train.labelKind());
        if (progress.inCall() && callFailed) {
            LOG.info("the previous fit call failed at epoch {}; this one starts a new call of {} epochs",
                    progress.epoch() + 1, epochs);
            progress = progress.endCall().newCall(epochs);
        } else if (!progress.inCall()) {
            progress = progress.newCall(epochs);
        } else if (progress.callEpochs() != epochs) {
            LOG.info("continuing the interrupted fit call of {} epochs at epoch {}", progress.callEpochs(),
                    progress.epochInCall() + 1);
        }
        List<EpochRecord> history = new ArrayList<>();
        TrainingContext ctx = new TrainingContext(this, history);
        ctx.validating = valid != null;
        step.resetPeaks();
        try (ActivationCache c = config.cache() == null ? null : new ActivationCache(config.cache())) {
            cache = c;
            running = ctx;
            reportedRefusal = null;
            timeline.clear();
            lastFrozen = null;
            changedBy = null; // a change before this fit (between phases) is not this fit's callbacks
            callFailed = false;
            return fitLoop(train, valid, ctx, history, batches);
        } catch (RuntimeException | Error e) {
            callFailed = true;
            throw e;
        } finally {
            cache = null;
            running = null;
        }
    }

    private void resolveObjective(LabelKind kind) {
        loss = config.loss() != null ? config.loss() : Losses.defaultFor(kind);
        Losses.check(loss, kind);
        metrics = config.metrics() != null ? config.metrics() : Metrics.defaultsFor(kind);
        metrics.forEach(m -> Metrics.check(m, kind));
    }

    private FitResult fitLoop(Dataset train, Dataset valid, TrainingContext ctx, List<EpochRecord> history,
                              int batches) {
        int n = train.size();
        int bs = config.batchSize();
        int k = config.accumulateBatches();
        ctx.stepsPerEpoch = (batches + k - 1) / k;
        ctx.totalSteps = ctx.stepsPerEpoch * progress.callEpochs();
        each(ctx, Callback::beforeFit);
        boolean stopped = false;
        while (progress.inCall() && !stopped) {
            int epoch = progress.epoch();
            each(ctx, Callback::beforeEpoch);
            if (cache != null) {
                cache.newEpoch();
            }
            int[] order = Arrays.copyOf(EpochOrder.of(n, config.seed(), epoch, config.shuffle()),
                    Math.min(n, batches * bs));
            EpochAccumulator acc = new EpochAccumulator(metrics);
            Augmentation aug = config.augmentation();
            int fixedViews = config.augmentedViews();
            long augSeed = config.seed() * 7_919L + (fixedViews > 0 ? epoch % fixedViews : epoch);
            try (ProgressView bar = ProgressView.open(config.progressBar(), "epoch " + (epoch + 1), ctx.stepsPerEpoch,
                    progress.stepInEpoch());
                 BatchLoader loader = new BatchLoader(train, order, bs, (int) (progress.stepInEpoch() * k), aug,
                         augSeed, config.prefetch())) {
                while (progress.stepInEpoch() < ctx.stepsPerEpoch) {
                    each(ctx, Callback::beforeStep);
                    List<TrainStep.Micro> micro = new ArrayList<>(k);
                    while (micro.size() < k && loader.hasNext()) {
                        micro.add(TrainStep.Micro.of(loader.next()));
                    }
                    double lr = config.learningRate() * config.schedule().factor(progress.stepInCall(),
                            ctx.totalSteps);
                    if (config.momentumSchedule() != null) {
                        optimizer.setMomentum(config.momentumSchedule().factor(progress.stepInCall(),
                                ctx.totalSteps));
                    }
                    long t0 = System.nanoTime();
                    StepResult r;
                    try {
                        r = Autograd.exclusiveStep(() -> fitStep(train, micro, lr, acc, epoch, augSeed, ctx));
                    } catch (TrainStep.Diverged d) {
                        throw new FrostException("training diverged at step " + (progress.globalStep() + 1)
                                + " (epoch " + (epoch + 1) + "): " + d.what + TrainStep.Diverged.ADVICE);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    acc.addStep(r, seconds, acc.lastStepHadFrozen ? fullStepTime(train, (int) r.examples()) : seconds);
                    if (!Double.isFinite(r.meanLoss()) && !acc.reportedNonFinite) {
                        LOG.warn("loss is {} at step {}: training diverged (lower the learning rate)", r.meanLoss(),
                                progress.globalStep());
                        acc.reportedNonFinite = true;
                    }
                    ctx.lastLoss = r.meanLoss();
                    ctx.lastLr = lr;
                    progress = progress.nextStep();
                    bar.step(r.meanLoss());
                    each(ctx, Callback::afterStep);
                    if (ctx.stopRequested) {
                        stopped = true;
                        break;
                    }
                }
            }
            Evaluation v = valid == null || stopped && !ctx.fitEnded ? null : evaluate(valid);
            EpochRecord record = acc.toRecord(epoch, v, learningRates(ctx.lastLr));
            history.add(record);
            if (!stopped) {
                progress = progress.nextEpoch();
            }
            LOG.debug(record.describe());
            each(ctx, Callback::afterEpoch);
            stopped |= ctx.stopRequested;
        }
        if (ctx.fitEnded) {
            progress = progress.endCall();
        }
        each(ctx, Callback::afterFit);
        ActivationCache.Stats stats = cache == null ? null : cache.stats();
        long params = model.learnableParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
        RunInfo.Memory memory = new RunInfo.Memory(step.peakGradientBytes(), params * 4, step.peakStateBytes(),
                params * 4 * optimizer.buffersPerParameter(), stats == null ? 0 : stats.bytes(),
                RunInfo.peakRssBytes());
        return new FitResult(List.copyOf(history), stopped, stats, List.copyOf(timeline),
                RunInfo.of(this, train, valid, memory));
    }

    /** Calls a boundary hook on each active callback, noting which one changed which group's freeze state. */
    private void each(TrainingContext ctx, java.util.function.BiConsumer<Callback, TrainingContext> hook) {
        List<LayerGroup> groups = model.groups();
        if (changedBy == null || changedBy.length != groups.size()) {
            changedBy = new String[groups.size()];
        }
        boolean[] before = new boolean[groups.size()];
        for (Callback c : active) {
            for (int i = 0; i < before.length; i++) {
                before[i] = groups.get(i).isFrozen();
            }
            hook.accept(c, ctx);
            for (int i = 0; i < before.length; i++) {
                if (groups.get(i).isFrozen() != before[i]) {
                    changedBy[i] = c.freezeSource();
                }
            }
        }
    }

    private StepResult fitStep(Dataset data, List<TrainStep.Micro> micro, double lr, EpochAccumulator acc, int epoch,
                               long augSeed, TrainingContext ctx) {
        FrostEngine.seed(config.seed() * 1_000_003L + progress.globalStep());
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        TrainStep.requireSomethingTrainable(model, prefix);
        recordFreezeChanges(epoch);
        if (cache != null) {
            cache.noteFreezeState(model);
        }
        long n = micro.stream().mapToLong(TrainStep.Micro::size).sum();
        acc.lastStepHadFrozen = prefix > 0 || !model.frozenPaths().isEmpty();
        acc.frozenGroups = model.frozenGroupCount();
        acc.prefixLayers = prefix;
        Augmentation aug = config.augmentation();
        int fixedViews = config.augmentedViews();
        int view = aug != null && fixedViews > 0 ? epoch % fixedViews : 0;
        long[] cachedFlops = new long[1];
        boolean served = cacheServes(prefix);
        cacheBoundary = served ? prefix : 0;
        TrainStep.PrefixRunner source = TrainStep.prefix(model, data, cache, served, view,
                aug == null ? 1 : fixedViews, aug, augSeed, cachedFlops);
        StepResult r = step.run(micro, lr, prefix, loss, source, acc.metrics, ctx);
        acc.addFlops(StepFlops.of(model, false).times(n).minusForward(cachedFlops[0]));
        return r;
    }

    private void recordFreezeChanges(int epoch) {
        List<LayerGroup> groups = model.groups();
        boolean[] now = new boolean[groups.size()];
        for (int i = 0; i < now.length; i++) {
            now[i] = groups.get(i).isFrozen();
            if (lastFrozen == null ? now[i] : now[i] != lastFrozen[i]) {
                String by = changedBy != null && i < changedBy.length ? changedBy[i] : null;
                timeline.add(new FitResult.FreezeEvent(progress.globalStep(), epoch, groups.get(i).name(), now[i],
                        by));
            }
        }
        lastFrozen = now;
        changedBy = null;
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
     * One optimization step on a batch already on the engine, outside a fit (no callbacks). The caller has applied
     * the freeze state; {@code prefix} is {@link FrostModel#frozenPrefixLength()}. The step's intermediate arrays
     * attach to the batch's manager: create the batch in a manager closed after the step (as a fit does), not in the
     * model's, which would keep every step's activations.
     */
    public StepResult trainStep(NDArray x, NDArray y, double lr, int prefix) {
        FitChecks.prefix(model, prefix);
        return trainFrom(x, y, lr, 0, prefix);
    }

    /** One optimization step on a batch with side inputs; see {@link #trainStep(NDArray, NDArray, double, int)}. */
    public StepResult trainStep(Batch batch, double lr, int prefix) {
        FitChecks.prefix(model, prefix);
        resolveLossFor(batch.labels());
        return Autograd.exclusiveStep(() -> step.run(List.of(TrainStep.Micro.of(batch)), lr, prefix, loss,
                (mb, side, p, s) -> model.runFrozen(batch.features(), batch.sideInputs(), 0, p), List.of(), null));
    }

    /**
     * One optimization step of layers {@code [from, end)} on activations {@code h} that already went through the
     * layers before {@code from} (a frozen prefix, or the activation cache).
     */
    public StepResult trainFrom(NDArray h, NDArray y, double lr, int from) {
        return trainFrom(h, y, lr, from, from);
    }

    private StepResult trainFrom(NDArray x, NDArray y, double lr, int inputLayer, int prefix) {
        resolveLossFor(y);
        Batch b = new Batch(x, Map.of(), y);
        return Autograd.exclusiveStep(() -> step.run(List.of(TrainStep.Micro.of(b)), lr, prefix, loss,
                (mb, side, p, s) -> model.runFrozen(x, inputLayer, p), List.of(), null));
    }

    private void resolveLossFor(NDArray labels) {
        if (loss != null) {
            return;
        }
        LabelKind guess = labels.getDataType().isInteger() ? LabelKind.CLASS : LabelKind.REGRESSION;
        if (config.loss() != null) { // the kind is only guessed from the array here: the given loss is not checked
            loss = config.loss();
            metrics = config.metrics() != null ? config.metrics() : Metrics.defaultsFor(guess);
        } else {
            resolveObjective(guess);
        }
    }

    /** Mean loss and the metrics in inference mode, without autograd; inside a fit the cache serves the prefix. */
    public Evaluation evaluate(Dataset data) {
        FitChecks.data(model, config, data);
        if (loss == null) {
            resolveObjective(data.labelKind());
        }
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        boolean cached = prefix < model.layers().size() && cache != null && prefix > 0
                && ActivationCache.refusal(model, prefix, false) == null;
        return Inference.evaluate(model, data, loss, metrics, Math.max(config.batchSize(), 256), config.prefetch(),
                prefix, !cached ? null : (d, idx, m) -> cache.activations(model, d, idx, prefix, 0, 1, null, 0, m));
    }

    private double fullStepTime(Dataset data, int batch) {
        if (!config.measureFullStep()) {
            return Double.NaN;
        }
        if (Double.isNaN(fullStepSeconds)) {
            // at most 2% of the call's steps go to the probe (3 repeats for a median when the run is long enough)
            int repeats = (int) Math.min(3, Math.floor(0.02 * running.totalSteps));
            if (repeats < 1) {
                return Double.NaN;
            }
            fullStepSeconds = FullStepProbe.measureSeconds(model, data, loss, config.batchSize(), repeats);
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
}
