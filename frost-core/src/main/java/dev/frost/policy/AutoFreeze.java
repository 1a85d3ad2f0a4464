package dev.frost.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.TrainingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AutoFreeze (Liu, Agarwal, Venkataraman 2021), as {@code YuhanLiu11/AutoFreeze}'s
 * {@code freeze_intermediate_e2e_lr.py} does it, with Frost's groups as the reference's encoder layers:
 * <ul>
 *   <li>Candidates: every group but the last (the head: the reference's pooler and classifier are never candidates)
 *       and, when named, the embeddings group, which must be the first group: it is not a candidate, is left out of
 *       the percentile, and freezes together with the first frozen layer (a BERT classifier's {@code embeddings}
 *       group; default: none, every group below the head is a candidate).</li>
 *   <li>After every backward pass each candidate still training adds its gradients (before clipping) to a running
 *       sum per parameter. The interval {@code I} is the given one, or {@code int(totalSteps / n)} (the reference's
 *       {@code num_intervals} n, 10 by default); a decision is taken after fit step n (1-based) when {@code n % I == 0} and
 *       {@code n > 1} (the reference's {@code (eval_step + 1) % I == 0 and eval_step / I > 0}).</li>
 *   <li>At a decision, layer ℓ's statistic is {@code g_ℓ = Σ_params ‖Σ_steps grad‖₁}: the L1 norm of the gradient
 *       summed over the interval (not the sum of per-step norms, which gradient noise dominates); a frozen layer has
 *       {@code g = 0}. The sums are then cleared. The first decision only records g. Later ones compute
 *       {@code r_ℓ = |g_prev,ℓ - g_ℓ| / g_prev,ℓ} if {@code g_ℓ > 0}, else 0; the threshold is numpy's (linear)
 *       {@code percentile} (default 50) of r over the layers from the first trainable one on; the first layer with
 *       {@code r ≥ threshold} becomes the first trainable layer, all layers before it (and the embeddings) freeze.</li>
 * </ul>
 * Each fit call is one run of the reference: a new call starts with no sums and no previous statistic; a call resumed
 * from a checkpoint continues exactly (the sums and the previous statistic are in the checkpoint).
 *
 * <p>Memory: one float32 buffer per parameter of every candidate group still training, on the engine (at the start
 * of training as large as those parameters, like one more Adam moment); a group's buffers are freed when it
 * freezes, all of them after each decision and when the fit call ends. A checkpoint holds them too (base64 in the
 * manifest, about 4/3 of their bytes).
 *
 * <p>Named differences: the reference scans from layer 0, where frozen layers have r = 0, so a threshold of exactly
 * 0 would make it restart from layer 0 (unfreeze everything); Frost never unfreezes. A layer with
 * {@code g_prev = 0 < g} makes the reference divide by zero (Python raises); Frost takes r = +∞. After a decision that
 * leaves a frozen prefix the reference reloads the model and builds a new optimizer (fresh BERTAdam state for every
 * parameter); Frost keeps the optimizer state of the groups still training.
 */
public final class AutoFreeze implements FreezePolicy {
    private static final Logger LOG = LoggerFactory.getLogger(AutoFreeze.class);
    /** The reference's {@code num_intervals}: decisions per run when no fixed interval is given. */
    public static final int REFERENCE_INTERVALS = 10;

    private final double percentile;
    private final long fixedInterval;
    private final int intervalsPerRun;
    private final String embeddingsGroup;
    private final Map<String, NDArray> sums = new LinkedHashMap<>();
    private final Map<String, float[]> restored = new LinkedHashMap<>();
    private NDManager buffers;
    private double[] previous;
    private double[] lastStatistic;
    private double[] costs; // per candidate; null: the reference's rule (see CostAwareFreeze)

    /**
     * @param percentile the percentile of the change ratios that is the threshold, in [0, 100]
     * @param interval steps per decision, or 0 for {@code int(totalSteps / 10)}
     * @param embeddingsGroup name of the first group when it is the embeddings (not a candidate; it freezes with
     *                        the first frozen layer), or null
     */
    public AutoFreeze(double percentile, long interval, String embeddingsGroup) {
        this(percentile, interval, REFERENCE_INTERVALS, embeddingsGroup);
    }

    private AutoFreeze(double percentile, long interval, int intervalsPerRun, String embeddingsGroup) {
        if (!(percentile >= 0 && percentile <= 100) || interval < 0 || intervalsPerRun < 1) {
            throw new FrostException("AutoFreeze needs a percentile in [0, 100], an interval >= 0 and at least 1"
                    + " interval per run, got " + percentile + ", " + interval + " and " + intervalsPerRun);
        }
        this.percentile = percentile;
        this.fixedInterval = interval;
        this.intervalsPerRun = intervalsPerRun;
        this.embeddingsGroup = embeddingsGroup;
    }

    /**
     * This rule with {@code int(totalSteps / n)} steps per decision (the reference's {@code num_intervals},
     * {@link #REFERENCE_INTERVALS}) instead of a fixed interval: more intervals decide earlier, which is where a short fine-tuning run spends its
     * time.
     */
    public AutoFreeze withIntervalsPerRun(int n) {
        return new AutoFreeze(percentile, 0, n, embeddingsGroup);
    }

    /** Every group below the head is a candidate. */
    public AutoFreeze(double percentile, long interval) {
        this(percentile, interval, null);
    }

    /** The reference's defaults: 50th percentile, ten intervals per run, every group below the head a candidate. */
    public AutoFreeze() {
        this(50, 0);
    }

    /** The reference's defaults with {@code embeddingsGroup} (the model's first group) left out of the candidates. */
    public static AutoFreeze withEmbeddings(String embeddingsGroup) {
        return new AutoFreeze(50, 0, embeddingsGroup);
    }

    @Override
    public String name() {
        return "autofreeze";
    }

    /**
     * The rule on one decision, over the L candidate layers: {@code previous} and {@code current} are their
     * statistics, {@code frozen} of them are frozen. Returns the new number of frozen layers (never fewer).
     */
    public static int decide(double[] previous, double[] current, int frozen, double percentile) {
        return decide(previous, current, frozen, percentile, null);
    }

    /**
     * As {@link #decide(double[], double[], int, double)} with each ratio divided by the candidate's relative cost
     * ({@code costs[k] / mean(costs)}; null: all equal): a group whose gradients still change but that costs much
     * freezes before one that is cheap and changes as much.
     */
    public static int decide(double[] previous, double[] current, int frozen, double percentile, double[] costs) {
        int layers = current.length;
        if (frozen >= layers) {
            return frozen;
        }
        double[] r = ratios(previous, current);
        if (costs != null) {
            double mean = Arrays.stream(costs, frozen, layers).average().orElse(1);
            for (int k = 0; k < layers; k++) {
                double rel = mean > 0 ? costs[k] / mean : 1;
                r[k] = rel > 0 ? r[k] / rel : Double.POSITIVE_INFINITY; // free to keep: never worth freezing early
            }
        }
        double threshold = percentileOf(Arrays.copyOfRange(r, frozen, layers), percentile);
        for (int k = frozen; k < layers; k++) {
            if (r[k] >= threshold) {
                return k;
            }
        }
        return frozen;
    }

    /** The change ratios: {@code |prev - g| / prev} where {@code g > 0} (+∞ if prev is 0), else 0. */
    public static double[] ratios(double[] previous, double[] current) {
        double[] r = new double[current.length];
        for (int k = 0; k < r.length; k++) {
            if (current[k] > 0) {
                r[k] = previous[k] == 0 ? Double.POSITIVE_INFINITY
                        : Math.abs(previous[k] - current[k]) / previous[k];
            }
        }
        return r;
    }

    /** Linear interpolation between order statistics (numpy's default); infinite values sort last. */
    static double percentileOf(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos);
        double frac = pos - lo;
        if (frac == 0) {
            return v[lo];
        }
        if (Double.isInfinite(v[lo + 1])) {
            return v[lo + 1];
        }
        return v[lo] + (v[lo + 1] - v[lo]) * frac;
    }

    /** Weights the decisions by per-candidate costs from now on (see {@link CostAwareFreeze}). */
    void setCosts(double[] candidateCosts) {
        this.costs = candidateCosts == null ? null : candidateCosts.clone();
    }

    /** Index of the first candidate group of {@code m} (1 when an embeddings group is left out). */
    int firstCandidate(FrostModel m) {
        return first(m);
    }

    /** The statistics g of the last decision (null before the first), for reports and tests. */
    public double[] lastStatistic() {
        return lastStatistic == null ? null : lastStatistic.clone();
    }

    private long interval(TrainingContext ctx) {
        return fixedInterval > 0 ? fixedInterval : Math.max(1, ctx.totalSteps() / intervalsPerRun);
    }

    /** Index of the first candidate group. */
    private int first(FrostModel m) {
        if (embeddingsGroup == null) {
            return 0;
        }
        String name = m.groups().get(0).name();
        if (!name.equals(embeddingsGroup)) {
            throw new FrostException("AutoFreeze's embeddings group '" + embeddingsGroup + "' must be the model's first"
                    + " group (it is '" + name + "')");
        }
        return 1;
    }

    private int layers(FrostModel m) {
        return Math.max(0, m.groups().size() - 1 - first(m));
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        first(ctx.model());
        if (ctx.stepInFit() == 0) {
            clearSums();
            restored.clear();
            previous = null;
            lastStatistic = null;
        }
    }

    @Override
    public void afterBackward(TrainingContext ctx) {
        FrostModel m = ctx.model();
        int first = first(m);
        int layers = layers(m);
        try (NDManager tmp = m.manager().newSubManager()) {
            for (int k = 0; k < layers; k++) {
                LayerGroup group = m.groups().get(first + k);
                for (Layer l : group.layers()) {
                    for (Map.Entry<String, Parameter> e : l.learnableParameters().entrySet()) {
                        String key = l.name() + "." + e.getKey();
                        Parameter p = e.getValue();
                        if (!p.requiresGradient()) {
                            NDArray stale = sums.remove(key);
                            if (stale != null) {
                                stale.close(); // frozen since: its sum is freed and no longer counted
                            }
                            restored.remove(key);
                            continue;
                        }
                        NDArray grad = p.getArray().getGradient();
                        grad.attach(tmp);
                        buffer(key, grad.getShape()).addi(grad);
                    }
                }
            }
        }
    }

    private NDArray buffer(String key, Shape shape) {
        NDArray buf = sums.get(key);
        if (buf == null) {
            if (buffers == null || !buffers.isOpen()) {
                throw new FrostException("AutoFreeze has no buffer manager: it must see beforeFit first");
            }
            float[] saved = restored.remove(key);
            buf = saved != null ? buffers.create(saved, shape) : buffers.zeros(shape, DataType.FLOAT32);
            sums.put(key, buf);
        }
        return buf;
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        if (buffers == null || !buffers.isOpen()) {
            buffers = ctx.model().manager().newSubManager();
        }
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        long n = ctx.stepInFit();
        if (n % interval(ctx) != 0 || n <= 1) {
            return;
        }
        FrostModel m = ctx.model();
        int first = first(m);
        int layers = layers(m);
        double[] current = new double[layers];
        for (int k = 0; k < layers; k++) {
            for (Layer l : m.groups().get(first + k).layers()) {
                for (String name : l.learnableParameters().keySet()) {
                    NDArray buf = sums.get(l.name() + "." + name);
                    if (buf != null) {
                        try (NDArray a = buf.abs(); NDArray s = a.sum()) {
                            current[k] += s.getFloat();
                        }
                    }
                }
            }
        }
        clearSums();
        restored.clear();
        lastStatistic = current.clone();
        if (previous != null && previous.length != layers) {
            throw new FrostException("AutoFreeze's state (from a checkpoint) has statistics for " + previous.length
                    + " candidate groups but this model has " + layers + ": resume it on the model it was saved from");
        }
        if (previous != null) {
            int frozenLayers = Math.min(layers, Math.max(0, m.frozenGroupCount() - first));
            int next = decide(previous, current, frozenLayers, percentile, costs);
            if (LOG.isDebugEnabled()) { // why it froze what it froze, for whoever tunes the intervals
                LOG.debug("autofreeze after step {}: g {}, r {}, layers frozen {} -> {}", n, Arrays.toString(current),
                        Arrays.toString(ratios(previous, current)), frozenLayers, Math.max(next, frozenLayers));
            }
            if (next > 0) {
                PrefixFreezer.freezeAtLeast(m, first + next);
            }
        }
        previous = current;
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        if (!ctx.trainer().progress().inCall()) {
            clearSums(); // the call is over: the next one starts afresh
            if (buffers != null) {
                buffers.close();
                buffers = null;
            }
        }
    }

    private void clearSums() {
        sums.values().forEach(NDArray::close);
        sums.clear();
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, String> saved = new LinkedHashMap<>();
        restored.forEach((k, v) -> saved.put(k, encode(v)));
        sums.forEach((k, v) -> saved.put(k, encode(v.toFloatArray())));
        s.put("sums", saved);
        s.put("previous", previous == null ? null : Arrays.stream(previous).boxed().toList());
        return s;
    }

    @Override
    public void restore(Map<String, Object> s) {
        if (!s.containsKey("sums")) {
            throw new FrostException("the checkpoint's AutoFreeze state predates the summed-gradient statistic"
                    + " (it holds per-step norms): it cannot be resumed exactly; start the run again");
        }
        clearSums();
        restored.clear();
        ((Map<?, ?>) s.get("sums")).forEach((k, v) -> restored.put((String) k, decode((String) v)));
        Object prev = s.get("previous");
        previous = prev == null ? null
                : ((List<?>) prev).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    private static String encode(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static float[] decode(String text) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(text)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
