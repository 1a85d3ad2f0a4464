package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.train.GroupTimings;
import dev.frost.train.TrainingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The "auto" policy: AutoFreeze's learning signal weighted by what each group costs, measured. Early in the fit (after
 * {@code warmupSteps} steps, on the batch of that step) it times every group's forward and backward
 * ({@link GroupTimings}); a group's cost is the time per step that freezing it saves: its backward, plus its forward
 * when the trainer has an activation cache (the frozen prefix is then computed once and served). At each of
 * AutoFreeze's decisions (every {@code int(totalSteps/10)} steps, from the second on) the score of candidate k is
 * {@code r_k / (cost_k / mean cost)}, where {@code r_k} is AutoFreeze's change ratio of the group's summed-gradient
 * L1 norm; the threshold is the {@code percentile} of the trainable candidates' scores, and every group before the
 * first with a score at or above it freezes. So among groups whose gradients change alike, the expensive ones freeze
 * first; the frozen part stays a prefix, which is what lets the backward pass stop there and the cache serve it.
 *
 * <p>With the cache configured the trainer starts serving the new prefix at the next epoch: the policy needs nothing
 * else to turn it on; without one it logs that frozen prefixes will be recomputed every step. The measured costs and
 * AutoFreeze's sums are in the checkpoint state, so a resumed run decides as the uninterrupted one would.
 */
public final class CostAwareFreeze implements FreezePolicy {
    private static final Logger LOG = LoggerFactory.getLogger(CostAwareFreeze.class);

    private final AutoFreeze signal;
    private final int warmupSteps;
    private final int repeats;
    private final double[] givenCosts;
    private double[] costs;
    private GroupTimings timings;

    /**
     * @param percentile      threshold percentile of the scores, in [0, 100] (AutoFreeze's 50 by default)
     * @param interval        steps per decision, 0 for {@code int(totalSteps/10)}
     * @param embeddingsGroup the first group when it is a BERT's embeddings (frozen with the first layer), or null
     * @param warmupSteps     steps before the costs are measured (the allocator and caches warm up first)
     * @param repeats         timings per quantity (median)
     */
    public CostAwareFreeze(double percentile, long interval, String embeddingsGroup, int warmupSteps, int repeats) {
        if (warmupSteps < 0 || repeats < 1) {
            throw new FrostException("CostAwareFreeze needs warmupSteps >= 0 and repeats >= 1, got " + warmupSteps
                    + " and " + repeats);
        }
        this.signal = new AutoFreeze(percentile, interval, embeddingsGroup);
        this.warmupSteps = warmupSteps;
        this.repeats = repeats;
        this.givenCosts = null;
    }

    /**
     * Costs given instead of measured (seconds per step, or any positive unit, per candidate group from the first
     * candidate up): decisions are then a function of the gradients alone, reproducible run to run.
     */
    public CostAwareFreeze(double percentile, long interval, String embeddingsGroup, double[] candidateCosts) {
        if (candidateCosts == null || Arrays.stream(candidateCosts).anyMatch(c -> !(c >= 0))) {
            throw new FrostException("CostAwareFreeze needs costs >= 0, got " + Arrays.toString(candidateCosts));
        }
        this.signal = new AutoFreeze(percentile, interval, embeddingsGroup);
        this.warmupSteps = 0;
        this.repeats = 1;
        this.givenCosts = candidateCosts.clone();
    }

    /** 50th percentile, ten decisions per fit, costs measured after 3 steps with 3 repeats. */
    public CostAwareFreeze() {
        this(50, 0, null, 3, 3);
    }

    @Override
    public String name() {
        return "auto";
    }

    /** The measured costs per candidate group in seconds per step (null until measured). */
    public double[] costs() {
        return costs == null ? null : costs.clone();
    }

    /** The full measurement (null until measured, or after a resume, which restores only the costs). */
    public GroupTimings timings() {
        return timings;
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        signal.beforeFit(ctx);
        if (ctx.stepInFit() == 0) {
            timings = null;
            if (givenCosts != null) {
                int n = Math.max(0, ctx.model().groups().size() - 1 - signal.firstCandidate(ctx.model()));
                if (givenCosts.length != n) {
                    throw new FrostException("CostAwareFreeze was given " + givenCosts.length + " costs but the model"
                            + " has " + n + " candidate groups");
                }
                useCosts(givenCosts.clone());
            } else {
                costs = null;
                signal.setCosts(null);
            }
        }
        if (ctx.config().cache() == null) {
            LOG.info("auto policy: the trainer has no activation cache, so frozen groups save their backward pass"
                    + " only (TrainConfig.optCache serves a frozen prefix from memory)");
        }
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        signal.beforeStep(ctx);
    }

    @Override
    public void beforeForward(TrainingContext ctx) {
        if (costs != null || ctx.stepInFit() < warmupSteps || ctx.inputLayer() != 0) {
            return;
        }
        FrostModel m = ctx.model();
        timings = GroupTimings.measure(m, ctx.batch(), ctx.trainer().loss(), repeats);
        int first = signal.firstCandidate(m);
        int n = Math.max(0, m.groups().size() - 1 - first);
        boolean cached = ctx.config().cache() != null;
        double[] c = new double[n];
        for (int k = 0; k < n; k++) {
            c[k] = timings.saving(first + k, cached);
        }
        useCosts(c);
        LOG.info("auto policy: seconds per step saved by freezing each group{}: {}", cached ? " (cached)" : "",
                describe(timings, first, c));
    }

    private void useCosts(double[] c) {
        costs = c;
        signal.setCosts(c);
    }

    private static String describe(GroupTimings t, int first, double[] c) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < c.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(t.groups()[first + k]).append(String.format(Locale.ROOT, " %.4f", c[k]));
        }
        return sb.toString();
    }

    @Override
    public void afterBackward(TrainingContext ctx) {
        signal.afterBackward(ctx);
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        signal.afterStep(ctx);
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        signal.afterFit(ctx);
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>(signal.state());
        s.put("costs", costs == null ? null : Arrays.stream(costs).boxed().toList());
        return s;
    }

    @Override
    public void restore(Map<String, Object> s) {
        signal.restore(s);
        Object c = s.get("costs");
        timings = null;
        if (c == null) {
            costs = null;
            signal.setCosts(null);
        } else {
            useCosts(((List<?>) c).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray());
        }
    }
}
