package dev.frost.policy;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.Sgd;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoliciesTest {
    private static final ArrayDataset DATA = SyntheticData.classification("v", 160, new Shape(12), 3, 8);

    private static FrostModel mlp() {
        return Models.mlp(12, new int[] {16, 16, 16, 16}, 3, 4);   // groups fc1..fc4, head
    }

    private static TrainConfig.Builder cfg(int epochs) {
        return TrainConfig.builder().setEpochs(epochs).optBatchSize(16).optLearningRate(0.05).optSeed(2)
                .optProgressBar(false).optMeasureFullStep(false);
    }

    @Test
    void freezeOutTimesAndLearningRatesFollowTheFormula() {
        FreezeOut cubic = FreezeOut.defaults();
        assertEquals(0.512, cubic.freezeTime(0, 5), 1e-12, "t0 = 0.8 pre-cubed");
        assertEquals(Math.pow(0.8 + 0.2 * 2 / 4, 3), cubic.freezeTime(2, 5), 1e-12);
        assertEquals(1.0, cubic.freezeTime(4, 5), 1e-12, "the head trains to the end");
        assertEquals(1 / 0.512, cubic.lrFactor(0, 5, 0, 1000), 1e-12, "scaled: initial rate / t_i");
        assertEquals(0.5 / 0.512, cubic.lrFactor(0, 5, 256, 1000), 1e-12, "half-way to t_i: cosine at 1/2");
        assertEquals(0.0, cubic.lrFactor(0, 5, 512, 1000), 0.0, "frozen at t_i T");
        FreezeOut linear = new FreezeOut(0.8, FreezeOut.Scale.LINEAR, false);
        assertEquals(0.9, linear.freezeTime(2, 5), 1e-12);
        double p = 0.3;
        assertEquals(0.5 * (1 + Math.cos(Math.PI * p / 0.85)), linear.lrFactor(1, 5, 300, 1000), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * p)), linear.lrFactor(4, 5, 300, 1000), 1e-12);
    }

    @Test
    void freezeOutFreezesEachGroupAtItsTimeAndFrozenWeightsNeverMoveAgain() {
        try (FrostModel m = mlp()) {
            FreezeOut fo = new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false);
            Map<Integer, Long> frozenAt = new HashMap<>();
            Map<Integer, Map<String, float[]>> atFreeze = new HashMap<>();
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    int f = ctx.model().frozenGroupCount();
                    for (int g = 0; g < f; g++) {
                        if (!frozenAt.containsKey(g)) {
                            frozenAt.put(g, ctx.globalStep());
                            atFreeze.put(g, Snapshots.of(ctx.model()));
                        }
                    }
                }
            };
            FitResult r = new Trainer(m, new Sgd(0.9, true, 1e-4), cfg(4).build(), fo, watch).fit(DATA, null);
            long total = 4 * 10;
            for (int g = 0; g < 4; g++) {
                long expected = (long) Math.ceil(fo.freezeTime(g, 5) * total);
                assertEquals(expected, frozenAt.get(g), "group " + g + " freezes at t_i * T");
                Set<String> moved = Snapshots.changed(atFreeze.get(g), Snapshots.of(m));
                assertFalse(moved.contains("fc" + (g + 1) + ".weight"), "fc" + (g + 1) + " moved after freezing");
            }
            assertFalse(m.group("head").isFrozen());
            assertTrue(r.executedFlops() < r.fullFlops(), "frozen groups skip work");
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(1).optSchedule("cosine").build(), FreezeOut.defaults());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(DATA, null));
            assertTrue(e.getMessage().contains("constant schedule"), e.getMessage());
        }
    }

    @Test
    void runRecordHasTheFreezeTimelinePerGroup(@TempDir Path dir) throws Exception {
        Path record = dir.resolve("run.json");
        try (FrostModel m = mlp()) {
            FreezeOut fo = new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false);
            FitResult r = new Trainer(m, new Sgd(0, false, 0), cfg(2).build(), fo).fit(DATA, null);
            dev.frost.io.RunRecords.write(record, r);
            List<FitResult.FreezeEvent> frozen = r.timeline().stream().filter(FitResult.FreezeEvent::frozen).toList();
            assertEquals(List.of("fc1", "fc2", "fc3", "fc4"), frozen.stream().map(FitResult.FreezeEvent::group).toList());
            assertEquals((long) Math.ceil(fo.freezeTime(0, 5) * 20), frozen.get(0).step());
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.toFile());
            assertEquals(4, doc.path("result").path("timeline").size());
            assertEquals(2, doc.path("result").path("epochs").size());
            assertTrue(doc.path("summary").asText().startsWith("freezing saved"));
            assertEquals(0.0, doc.path("result").path("epochs").get(1).path("learningRates").path("fc1").asDouble());
        }
    }

    @Test
    void autoFreezeFreezesExactlyThePrefixTheRuleSelects() {
        double[] prev = {10, 10, 10, 10, 10};
        double[] cur = {9.9, 9.5, 5, 2, 1};
        // r = 0.01, 0.05, 0.5, 0.8 over the four candidates (head excluded); median 0.275; first r >= it: group 2
        assertEquals(2, AutoFreeze.decide(prev, cur, 0, 4, 50));
        assertEquals(0, AutoFreeze.decide(prev, cur, 0, 4, 0), "threshold at the minimum: nothing frozen");
        assertEquals(3, AutoFreeze.decide(prev, cur, 0, 4, 100), "threshold at the maximum");
        // already 1 frozen: candidates 1..3, r = 0.05, 0.5, 0.8; median 0.5 -> group 2
        assertEquals(2, AutoFreeze.decide(prev, cur, 1, 4, 50));
        // a group whose r rises again is not frozen past: prefix only
        double[] bumpy = {9.99, 5, 9.98, 9.97, 1};
        assertEquals(1, AutoFreeze.decide(prev, bumpy, 0, 4, 50));
        assertEquals(0.275, AutoFreeze.percentileOf(new double[] {0.8, 0.01, 0.5, 0.05}, 50), 1e-12);
    }

    @Test
    void schedulesApplyAtTheRightStep() {
        FreezeSchedule s = new FreezeSchedule(Map.of(0, 0, 2, 1, 3, 9));
        List<Integer> seen = new ArrayList<>();
        try (FrostModel m = mlp()) {
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    if (ctx.stepInEpoch() == 0) {
                        seen.add(ctx.model().frozenGroupCount());
                    }
                }
            };
            new Trainer(m, new Sgd(0, false, 0), cfg(4).build(), s, watch).fit(DATA, null);
        }
        assertEquals(List.of(0, 0, 1, 4), seen, "capped below the head");
        assertEquals(List.of(0, 6, 6, 8, 8, 8, 10, 10, 12), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8).stream()
                .map(e -> FreezeSchedule.pipeTransformer(13).frozenGroups(e, 13)).toList());
        LinearFreezing lin = new LinearFreezing(0.5, 1.0);
        assertEquals(0, lin.frozenGroups(49, 100, 5));
        assertEquals(1, lin.frozenGroups(70, 100, 5));
        assertEquals(4, lin.frozenGroups(99, 100, 5));
    }

    @Test
    void autoFreezeWithCacheResumesMidScheduleExactly(@TempDir Path dir) {
        TrainConfig c = cfg(4).optCache(CacheConfig.defaults()).build();
        Map<String, float[]> uninterrupted;
        int frozenUninterrupted;
        try (FrostModel m = mlp()) {
            new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4)).fit(DATA, null);
            uninterrupted = Snapshots.of(m);
            frozenUninterrupted = m.frozenGroupCount();
        }
        assertTrue(frozenUninterrupted > 0, "AutoFreeze froze something on this run");
        try (FrostModel m = mlp()) {
            Callback stop = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 18) {
                        Checkpoints.save(dir, ctx.trainer());
                        ctx.requestStop();
                    }
                }
            };
            new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4), stop).fit(DATA, null);
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4));
            Checkpoints.resume(dir, t);
            t.fit(DATA, null);
            Map<String, float[]> resumed = Snapshots.of(m);
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), k));
            assertEquals(frozenUninterrupted, m.frozenGroupCount());
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c);
            FrostException e = assertThrows(FrostException.class, () -> Checkpoints.resume(dir, t));
            assertTrue(e.getMessage().contains("'autofreeze'"), e.getMessage());
        }
    }

    @Test
    void policiesPutTheUsersLearningRateMultipliersBackWhenTheyEnd() {
        for (Callback policy : List.<Callback>of(new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false),
                new GradualUnfreezing(1, 2.6))) {
            try (FrostModel m = mlp()) {
                m.group("head").setLrMultiplier(2.0);
                m.group("fc1").setLrMultiplier(0.5);
                double[] during = new double[1];
                Callback watch = new Callback() {
                    @Override
                    public void afterStep(TrainingContext ctx) {
                        during[0] = ctx.model().group("fc1").lrMultiplier();
                    }
                };
                new Trainer(m, new Sgd(0, false, 0), cfg(2).build(), policy, watch).fit(DATA, null);
                assertTrue(during[0] != 0.5, policy + " set its own multipliers");
                assertEquals(2.0, m.group("head").lrMultiplier(), 0, policy.toString());
                assertEquals(0.5, m.group("fc1").lrMultiplier(), 0, policy.toString());
            }
        }
    }
}
