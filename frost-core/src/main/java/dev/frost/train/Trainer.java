package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Augmentation;
import dev.frost.data.EpochOrder;
import dev.frost.engine.Autograd;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.freeze.optim.ParamGroup;
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

    /** Trains for the configured epochs from the current progress; {@code valid} may be null. */
    public FitResult fit(ArrayDataset train, ArrayDataset valid) {
        checkData(train);
        if (valid != null) {
            checkData(valid);
        }
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

    private FitResult fitLoop(ArrayDataset train, ArrayDataset valid, TrainingContext ctx, List<EpochRecord> history) {
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
            EpochAccumulator acc = new EpochAccumulator();
            try (ProgressView bar = ProgressView.open(config.progressBar(), "epoch " + (epoch + 1) + "/"
                    + config.epochs(), ctx.stepsPerEpoch, progress.stepInEpoch())) {
                while (progress.stepInEpoch() < ctx.stepsPerEpoch) {
                    callbacks.forEach(c -> c.beforeStep(ctx));
                    int from = (int) (progress.stepInEpoch() * bs);
                    int to = Math.min(n, from + bs);
                    double lr = config.learningRate() * config.schedule().factor(progress.globalStep(), ctx.totalSteps);
                    long t0 = System.nanoTime();
                    StepResult r = trainStep(train, order, from, to, lr, acc, epoch);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    acc.addStep(r, seconds, acc.lastStepHadFrozen ? fullStepTime(train, to - from) : seconds);
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

    private StepResult trainStep(ArrayDataset data, int[] order, int from, int to, double lr, EpochAccumulator acc,
                                 int epoch) {
        FrostEngine.seed(config.seed() * 1_000_003L + progress.globalStep());
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        if (prefix == model.layers().size()) {
            throw new FrostException("every layer is frozen, so there is nothing to train: unfreeze a group"
                    + " (model.unfreeze() or model.freezeTo(n))");
        }
        recordFreezeChanges(epoch);
        StepFlops flops = StepFlops.of(model, false).times(to - from);
        acc.lastStepHadFrozen = prefix > 0 || !model.frozenLayerNames().isEmpty();
        acc.frozenGroups = model.frozenGroupCount();
        acc.prefixLayers = prefix;
        Augmentation aug = config.augmentation();
        int fixedViews = config.augmentedViews();
        int view = aug != null && fixedViews > 0 ? epoch % fixedViews : 0;
        long augSeed = config.seed() * 7_919L + (fixedViews > 0 ? view : epoch);
        try (NDManager step = model.manager().newSubManager()) {
            NDArray y = data.labels(step, order, from, to);
            NDArray h;
            if (cacheServes(prefix)) {
                h = cache.activations(model, data, order, from, to, prefix, view,
                        aug == null ? 1 : fixedViews, aug, augSeed, step);
                flops = flops.minusForward(model.forwardFlops(0, prefix) * (to - from)
                        - cache.lastComputedFlops());
            } else {
                h = prefixOutput(data.features(step, order, from, to, aug, augSeed), prefix);
            }
            acc.addFlops(flops);
            return trainFrom(h, y, lr, prefix);
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
        return trainFrom(prefixOutput(x, prefix), y, lr, prefix);
    }

    /**
     * One optimization step of layers {@code [from, end)} on activations {@code h} that already went through the
     * layers before {@code from} (a frozen prefix, or the activation cache).
     */
    public StepResult trainFrom(NDArray h, NDArray y, double lr, int from) {
        NDArray logits;
        NDArray loss;
        try (GradientCollector gc = Autograd.record()) {
            logits = model.forward(h, true, from, model.layers().size());
            loss = Losses.softmaxCrossEntropy(logits, y);
            gc.backward(loss);
        }
        if (running != null) {
            callbacks.forEach(c -> c.afterBackward(running));
        }
        optimizer.step(ParamGroup.of(model), lr);
        long n = y.size();
        return new StepResult(loss.getFloat() * n, Losses.correct(logits, y), n);
    }

    /** Output of the frozen prefix, computed without autograd. The activation cache (switch 4) plugs in here. */
    NDArray prefixOutput(NDArray x, int prefix) {
        return model.runFrozen(x, 0, prefix);
    }

    /** Mean loss and accuracy in inference mode, without autograd. */
    public Evaluation evaluate(ArrayDataset data) {
        checkData(data);
        int[] order = data.naturalOrder();
        int bs = Math.max(config.batchSize(), 256);
        double loss = 0;
        long correct = 0;
        for (int start = 0; start < data.size(); start += bs) {
            final int from = start;
            final int to = Math.min(data.size(), from + bs);
            try (NDManager m = model.manager().newSubManager()) {
                NDArray y = data.labels(m, order, from, to);
                NDArray logits = Autograd.withoutRecording(() -> evalForward(data, order, from, to, m));
                loss += Losses.softmaxCrossEntropy(logits, y).getFloat() * (to - from);
                correct += Losses.correct(logits, y);
            }
        }
        return new Evaluation(loss / data.size(), correct / (double) data.size(), data.size());
    }

    /** Inference forward; inside a fit, a cacheable frozen prefix is served by the cache (outputs are identical). */
    private NDArray evalForward(ArrayDataset data, int[] order, int from, int to, NDManager m) {
        model.applyFreezeState();
        int prefix = model.frozenPrefixLength();
        if (prefix < model.layers().size() && cache != null && prefix > 0
                && ActivationCache.refusal(model, prefix, false) == null) {
            NDArray h = cache.activations(model, data, order, from, to, prefix, 0, 1, null, 0, m);
            return model.forward(h, false, prefix, model.layers().size());
        }
        return model.predict(data.features(m, order, from, to));
    }

    private double fullStepTime(ArrayDataset data, int batch) {
        if (!config.measureFullStep()) {
            return Double.NaN;
        }
        if (Double.isNaN(fullStepSeconds)) {
            fullStepSeconds = FullStepProbe.measureSeconds(model, data, config.batchSize(), 3);
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

    private void checkData(ArrayDataset data) {
        if (!data.exampleShape().equals(model.inputShape())) {
            throw new FrostException("dataset '" + data.name() + "' has examples of shape " + data.exampleShape()
                    + " but the model expects " + model.inputShape());
        }
        long outputs = model.outputShape().get(model.outputShape().dimension() - 1);
        if (data.classes() > outputs) {
            throw new FrostException("dataset '" + data.name() + "' has " + data.classes()
                    + " classes but the model outputs " + outputs);
        }
    }

    private static String describe(EpochRecord r) {
        return String.format(Locale.ROOT,
                "epoch %d: loss %.4f acc %.4f%s | %.1f s, %.2f GFLOP (%.0f%% of full), frozen groups %d",
                r.epoch() + 1, r.trainLoss(), r.trainAccuracy(),
                Double.isNaN(r.validLoss()) ? "" : String.format(Locale.ROOT, " | valid loss %.4f acc %.4f",
                        r.validLoss(), r.validAccuracy()),
                r.trainSeconds(), r.executedFlops() / 1e9,
                r.fullFlops() == 0 ? 100.0 : 100.0 * r.executedFlops() / r.fullFlops(), r.frozenGroups());
    }

    /** Sums of one epoch. */
    private static final class EpochAccumulator {
        double lossSum;
        long correct;
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

        void addFlops(StepFlops f) {
            fwd += f.forward();
            bwd += f.backward();
            fullFwd += f.fullForward();
            fullBwd += f.fullBackward();
        }

        void addStep(StepResult r, double stepSeconds, double fullStepSeconds) {
            lossSum += r.lossSum();
            correct += r.correct();
            examples += r.examples();
            steps++;
            seconds += stepSeconds;
            fullSeconds += fullStepSeconds;
        }

        EpochRecord toRecord(int epoch, Evaluation v, Map<String, Double> lrs) {
            return new EpochRecord(epoch, examples == 0 ? Double.NaN : lossSum / examples,
                    examples == 0 ? Double.NaN : correct / (double) examples,
                    v == null ? Double.NaN : v.loss(), v == null ? Double.NaN : v.accuracy(),
                    seconds, fullSeconds, steps, fwd, bwd, fullFwd, fullBwd, frozenGroups, prefixLayers, lrs);
        }
    }

    /** Helper for the loss and accuracy of a batch. */
    static final class Losses {
        private Losses() {}

        static NDArray softmaxCrossEntropy(NDArray logits, NDArray labels) {
            NDArray logp = logits.logSoftmax(-1);
            return logp.gather(labels.reshape(-1, 1), 1).mean().neg();
        }

        static long correct(NDArray logits, NDArray labels) {
            return logits.argMax(1).eq(labels).toType(DataType.INT64, false).sum().getLong();
        }
    }
}
