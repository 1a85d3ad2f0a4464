package dev.frost.policy;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.train.TrainingContext;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A hand-written table: from epoch e on, the first n groups are frozen. PipeTransformer's default for 12 layers is
 * {@code {0:0, 1:6, 3:8, 6:10, 8:12}}; the last group is never frozen here, so n is capped at groups - 1.
 */
public final class FreezeSchedule implements FreezePolicy {
    private final NavigableMap<Integer, Integer> table;

    public FreezeSchedule(Map<Integer, Integer> epochToFrozenGroups) {
        if (epochToFrozenGroups.isEmpty()) {
            throw new FrostException("freeze schedule is empty: give at least one epoch -> frozen groups entry");
        }
        epochToFrozenGroups.forEach((e, n) -> {
            if (e < 0 || n < 0) {
                throw new FrostException("freeze schedule entries must be >= 0, got " + e + " -> " + n);
            }
        });
        this.table = new TreeMap<>(epochToFrozenGroups);
    }

    /** PipeTransformer's shipped schedule for 12 layers, scaled to the {@code groups - 1} groups below the head. */
    public static FreezeSchedule pipeTransformer(int groups) {
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
        Map.Entry<Integer, Integer> e = table.floorEntry(epoch);
        return Math.min(e == null ? 0 : e.getValue(), groups - 1);
    }

    @Override
    public void beforeEpoch(TrainingContext ctx) {
        FrostModel m = ctx.model();
        PrefixFreezer.freezeAtLeast(m, frozenGroups(ctx.epochInFit(), m.groups().size()));
    }
}
