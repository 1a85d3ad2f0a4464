package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.frost.FrostException;
import dev.frost.data.Batch;
import dev.frost.data.Dataset;
import dev.frost.data.HostBatch;
import dev.frost.engine.Autograd;
import dev.frost.engine.OneDnnIsa;
import dev.frost.engine.Scalars;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.freeze.optim.ParamGroup;
import dev.frost.loss.Loss;
import dev.frost.metric.Metric;
import dev.frost.model.FrostModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One optimizer step over one or more micro-batches (gradient accumulation): the frozen prefix without autograd (or
 * the activation cache), forward and loss of the rest, backward, clipping, the update. The callbacks see the batch,
 * the outputs and the loss through the {@link TrainingContext}.
 */
final class TrainStep {
    private final FrostModel model;
    private final Optimizer optimizer;
    private final TrainConfig config;
    private final java.util.function.Supplier<List<Callback>> callbacks;
    /** Parameters whose gradient buffer may hold values no update consumed (frozen between backward and step). */
    private final Set<Parameter> stale = new HashSet<>();
    private long peakGradientBytes;
    private long peakStateBytes;

    TrainStep(FrostModel model, Optimizer optimizer, TrainConfig config, java.util.function.Supplier<List<Callback>> callbacks) {
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.callbacks = callbacks;
    }

    /** A micro-batch: read by the loader (host memory) or handed over on the engine by a caller. */
    interface Micro {
        long size();

        NDArray labels(NDManager step);

        Map<String, NDArray> sideInputs(NDManager step);

        /** The host batch it came from, or null for a batch that was on the engine already. */
        HostBatch host();

        static Micro of(HostBatch hb) {
            return new Micro() {
                public long size() {
                    return hb.size();
                }

                public NDArray labels(NDManager step) {
                    return hb.labels(step);
                }

                public Map<String, NDArray> sideInputs(NDManager step) {
                    return hb.sideInputs(step);
                }

                public HostBatch host() {
                    return hb;
                }
            };
        }

        static Micro of(Batch b) {
            return new Micro() {
                public long size() {
                    return b.size();
                }

                public NDArray labels(NDManager step) {
                    return b.labels();
                }

                public Map<String, NDArray> sideInputs(NDManager step) {
                    return b.sideInputs();
                }

                public HostBatch host() {
                    return null;
                }
            };
        }
    }

    /** Where the input of the trainable part comes from, for each micro-batch. */
    @FunctionalInterface
    interface PrefixRunner {
        NDArray run(Micro batch, Map<String, NDArray> side, int prefix, NDManager step);
    }

    /**
     * Runs the step. {@code ctx} may be null (a step outside a fit); {@code accumulators} receive every micro-batch's
     * outputs. The caller has applied the freeze state and computed {@code prefix}.
     */
    StepResult run(List<Micro> micro, double lr, int prefix, Loss loss, PrefixRunner prefixRunner,
                   List<Metric.Accumulator> accumulators, TrainingContext ctx) {
        long total = micro.stream().mapToLong(Micro::size).sum();
        double lossSum = 0;
        clearStale();
        boolean updated = false;
        try (NDManager step = model.manager().newSubManager()) {
            for (Micro mb : micro) {
                Map<String, NDArray> side = mb.sideInputs(step);
                Batch batch = new Batch(prefixRunner.run(mb, side, prefix, step), side, mb.labels(step));
                lossSum += microStep(batch, prefix, loss, mb.size() / (double) total, accumulators, ctx, step);
            }
            Collection<Parameter> computed = requiringGrad(prefix);
            if (ctx != null) {
                callbacks.get().forEach(c -> c.afterBackward(ctx));
            }
            double norm = Double.NaN;
            if (config.gradientClipNorm() > 0) {
                norm = Gradients.clipByGlobalNorm(computed, config.gradientClipNorm());
            }
            // a group a callback unfroze after backward (or inside the prefix run without autograd) got no
            // gradient this step, so it gets no update (no decay, no Adam step) either
            List<ParamGroup> groups = ParamGroup.of(model, config.noDecayOnBiasAndNorm(), computed::contains);
            if (config.divergenceGuard() && !Double.isFinite(lossSum)) {
                throw new Diverged("the loss is " + lossSum / total);
            }
            if (config.divergenceGuard()) {
                Map<String, Parameter> trained = new java.util.LinkedHashMap<>();
                groups.forEach(g -> trained.putAll(g.parameters()));
                String badGrad = Gradients.firstNonFinite(trained, true);
                if (badGrad != null) { // caught before the update: the weights are still the last good ones
                    // how far the fault reaches tells a bad upstream gradient (all) from one bad kernel (few)
                    List<String> all = Gradients.nonFiniteGradients(trained);
                    throw new Diverged("the gradient of '" + badGrad + "' is non-finite although the loss is finite ("
                            + lossSum / total + "); " + all.size() + " of " + trained.size()
                            + " parameters have non-finite gradients" + (all.size() > 1 ? ", the last '"
                            + all.get(all.size() - 1) + "'" : "")
                            + OneDnnIsa.advice().map(a -> " (" + a + ")").orElse(""));
                }
            }
            optimizer.step(groups, lr);
            String bad = config.divergenceGuard() ? Gradients.firstNonFinite(groups) : null;
            if (bad != null) {
                throw new Diverged("the update made weights non-finite, first '" + bad + "' (loss "
                        + lossSum / total + ")");
            }
            markStale(computed, groups);
            long gradBytes = computed.stream().mapToLong(p -> p.getShape().size() * 4).sum();
            peakGradientBytes = Math.max(peakGradientBytes, gradBytes);
            peakStateBytes = Math.max(peakStateBytes, optimizer.stateBytes());
            if (ctx != null) {
                ctx.lastGradNorm = norm;
                ctx.clearStepView();
            }
            updated = true;
        } finally {
            if (!updated) {
                zeroAllGradients(); // a step that failed after backward must not add its gradients to the next one
            }
        }
        return new StepResult(lossSum, total);
    }

    private void zeroAllGradients() {
        for (Parameter p : model.learnableParameters().values()) {
            if (p.isInitialized() && p.requiresGradient()) {
                Autograd.zeroGrad(p.getArray());
            }
        }
    }

    void resetPeaks() {
        peakGradientBytes = 0;
        peakStateBytes = 0;
    }

    /** A step that diverged; the trainer names the step and stops. */
    static final class Diverged extends FrostException {
        static final String ADVICE = "; lower the learning rate or clip gradients (the guard:"
                + " TrainConfig.optDivergenceGuard)";

        /** What diverged (the loss, a gradient, the update), without the advice. */
        final String what;

        Diverged(String what) {
            super("the training step diverged: " + what + ADVICE);
            this.what = what;
        }
    }

    /** Largest gradient-buffer bytes a step computed (parameters that required a gradient). */
    long peakGradientBytes() {
        return peakGradientBytes;
    }

    /** Largest optimizer state held after a step. */
    long peakStateBytes() {
        return peakStateBytes;
    }

    /** Forward and backward of one micro-batch; returns its summed loss. */
    private double microStep(Batch batch, int prefix, Loss loss, double weight, List<Metric.Accumulator> accs,
                             TrainingContext ctx, NDManager step) {
        if (ctx != null) {
            ctx.showStep(batch, prefix, step);
            callbacks.get().forEach(c -> c.beforeForward(ctx));
            batch = ctx.batch();
        }
        NDArray out;
        NDArray value;
        try (GradientCollector gc = Autograd.record()) {
            out = model.forward(batch.features(), batch.sideInputs(), true, prefix, model.layers().size());
            value = loss.compute(out, batch.labels());
            if (value.getShape().size() != 1) {
                throw new FrostException("the loss '" + loss.name() + "' returned shape " + value.getShape()
                        + " for a batch of " + batch.labels().getShape().get(0) + "; a loss must return one number"
                        + " (the batch's mean)");
            }
            if (ctx != null) {
                ctx.showLoss(out, value);
                callbacks.get().forEach(c -> c.afterLoss(ctx));
                value = ctx.lossArray();
            }
            gc.backward(weight == 1.0 ? value : Scalars.mul(value, weight));
        }
        NDArray detached = out.stopGradient();
        NDArray y = batch.labels();
        accs.forEach(a -> a.add(detached, y));
        return value.getFloat() * y.getShape().get(0);
    }

    /** Parameters that took part in this step's backward: those requiring a gradient past the frozen prefix. */
    private Collection<Parameter> requiringGrad(int prefix) {
        Set<Parameter> out = new java.util.LinkedHashSet<>();
        for (int i = prefix; i < model.layers().size(); i++) {
            for (Parameter p : model.layers().get(i).learnableParameters().values()) {
                if (p.requiresGradient()) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * DJL cannot free a gradient buffer (PyTorch's {@code grad = None}); Frost zeroes in place instead. The
     * optimizer zeroes what it consumed; a parameter frozen between backward and step keeps its gradient, which is
     * zeroed here before it is next computed, so it never leaks into the first update after unfreezing.
     */
    private void clearStale() {
        if (stale.isEmpty()) {
            return;
        }
        var it = stale.iterator();
        while (it.hasNext()) {
            Parameter p = it.next();
            if (p.requiresGradient()) {
                Autograd.zeroGrad(p.getArray());
                it.remove();
            }
        }
    }

    private void markStale(Collection<Parameter> computed, List<ParamGroup> groups) {
        Set<Parameter> consumed = new HashSet<>();
        groups.forEach(g -> consumed.addAll(g.parameters().values()));
        for (Parameter p : computed) {
            if (!consumed.contains(p)) {
                stale.add(p);
            }
        }
    }

    /** The frozen prefix's output: from the cache when it serves, otherwise computed without autograd. */
    static PrefixRunner prefix(FrostModel model, Dataset data, ActivationCache cache, boolean cacheServes, int view,
                               int views, dev.frost.data.Augmentation aug, long augSeed, long[] cacheFlops) {
        return (mb, side, prefix, step) -> {
            HostBatch hb = mb.host();
            if (cacheServes) {
                NDArray h = cache.activations(model, data, hb.indices(), prefix, view, views, aug, augSeed, step);
                cacheFlops[0] += model.forwardFlops(0, prefix) * hb.size() - cache.lastComputedFlops();
                return h;
            }
            return model.runFrozen(hb.toEngine(step).features(), side, 0, prefix);
        };
    }

    static void requireSomethingTrainable(FrostModel model, int prefix) {
        if (prefix == model.layers().size()) {
            throw new FrostException("every layer is frozen, so there is nothing to train: unfreeze a group"
                    + " (model.unfreeze() or model.freezeTo(n))");
        }
    }
}
