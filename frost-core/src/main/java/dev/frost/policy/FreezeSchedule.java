package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.train.TrainingContext;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.IntBinaryOperator;

/**
 * Epoch → number of leading groups frozen, applied at the start of each epoch of the fit call; the last group (the
 * head) is never frozen, so the number is capped at {@code groups - 1}, and frozen groups stay frozen.
 *
 * <p>{@link #pipeTransformer()} is PipeTransformer's default ({@code Distributed-AI/PipeTransformer},
 * {@code pipe_transformer/freeze/auto_freeze.py}: {@code is_hand_crafted = True} there, so this formula, not the
 * gradient rule, drives its runs): at epoch 0 nothing is frozen, at epoch {@code e ≥ 1}
 * {@code ceil((1-α)^e · (Lα/(1-α) + Σ_{k=2..e} Lα/(1-α)^k))} layers are, which is {@code ceil(L · (1 - (1-α)^e))}
 * computed the reference's way (the same floating-point rounding decides the ceiling). L is the number of groups
 * below the head (the reference's 12 encoder layers; its embeddings freeze with the first frozen layer, its head
 * never): name the embeddings group with {@link #pipeTransformer(double, String)} to count it out of L the same way.
 * α is {@code freeze_strategy_alpha}: 0.5 by default in its image-classification arguments, 0.33 in its
 * question-answering ones, 1/3 in its sweeps. {@link #pipeTransformerMild(int)} is the older hand-written table
 * ("mild" in the reference, commented out there).
 */
public final class FreezeSchedule implements FreezePolicy {
    private final IntBinaryOperator rule;
    private final String embeddings;

    /** A table: from epoch e on, the first n groups are frozen. */
    public FreezeSchedule(Map<Integer, Integer> epochToFrozenGroups) {
        if (epochToFrozenGroups.isEmpty()) {
            throw new FrostException("freeze schedule is empty: give at least one epoch -> frozen groups entry");
        }
        epochToFrozenGroups.forEach((e, n) -> {
            if (e < 0 || n < 0) {
                throw new FrostException("freeze schedule entries must be >= 0, got " + e + " -> " + n);
            }
        });
        NavigableMap<Integer, Integer> table = new TreeMap<>(epochToFrozenGroups);
        this.rule = (epoch, groups) -> {
            Map.Entry<Integer, Integer> e = table.floorEntry(epoch);
            return e == null ? 0 : e.getValue();
        };
        this.embeddings = null;
    }

    private FreezeSchedule(IntBinaryOperator rule, String embeddings) {
        this.rule = rule;
        this.embeddings = embeddings;
    }

    /** PipeTransformer's default schedule with α = 0.5 (its image-classification default). */
    public static FreezeSchedule pipeTransformer() {
        return pipeTransformer(0.5);
    }

    /** PipeTransformer's schedule with the given α, over all groups below the head. */
    public static FreezeSchedule pipeTransformer(double alpha) {
        return pipeTransformer(alpha, null);
    }

    /**
     * PipeTransformer's schedule with the given α. {@code embeddingsGroup} (the first group, or null for none) is
     * not one of the L layers: it freezes with the first frozen layer.
     */
    public static FreezeSchedule pipeTransformer(double alpha, String embeddingsGroup) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new FrostException("PipeTransformer's alpha must be in (0, 1), got " + alpha);
        }
        int skip = embeddingsGroup == null ? 0 : 1;
        return new FreezeSchedule((epoch, groups) -> {
            int layers = groups - 1 - skip;
            if (layers <= 0) {
                return 0;
            }
            int n = pipeTransformerFrozenLayers(layers, alpha, epoch);
            return n > 0 ? n + skip : 0;
        }, embeddingsGroup);
    }

    /**
     * The reference's {@code frozen_layer_num_dict[epoch]}: 0 at epoch 0, else
     * {@code math.ceil(calculate_frozen_layer_num(layers, alpha, epoch))}, evaluated as the reference writes it.
     */
    public static int pipeTransformerFrozenLayers(int layers, double alpha, int epoch) {
        if (epoch == 0) {
            return 0;
        }
        double secondTerm = 0.0;
        for (int e = 2; e <= epoch; e++) {
            secondTerm += (layers * alpha) / Math.pow(1 - alpha, e);
        }
        return (int) Math.ceil(Math.pow(1 - alpha, epoch) * ((layers * alpha) / (1 - alpha) + secondTerm));
    }

    /**
     * PipeTransformer's older hand-written table for 12 layers ({@code {0:0, 1:6, 3:8, 6:10, 8:12}}, the "mild"
     * strategy), scaled to the {@code groups - 1} groups below the head.
     */
    public static FreezeSchedule pipeTransformerMild(int groups) {
        Map<Integer, Integer> t = new TreeMap<>();
        int[][] ref = {{0, 0}, {1, 6}, {3, 8}, {6, 10}, {8, 12}};
        for (int[] r : ref) {
            t.put(r[0], (int) Math.round(r[1] * (groups - 1) / 12.0));
        }
        return new FreezeSchedule(t);
    }

    @Override
    public String name() {
        return "schedule";
    }

    /** Frozen groups in epoch {@code epoch} for a model of {@code groups} groups. */
    public int frozenGroups(int epoch, int groups) {
        return Math.min(rule.applyAsInt(epoch, groups), groups - 1);
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        if (embeddings != null && !ctx.model().groups().get(0).name().equals(embeddings)) {
            throw new FrostException("PipeTransformer's embeddings group '" + embeddings + "' must be the model's"
                    + " first group (it is '" + ctx.model().groups().get(0).name() + "')");
        }
    }

    @Override
    public void beforeEpoch(TrainingContext ctx) {
        FrostModel m = ctx.model();
        PrefixFreezer.freezeAtLeast(m, frozenGroups(ctx.epochInFit(), m.groups().size()));
    }
}
