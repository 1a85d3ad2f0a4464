package dev.frost.policy;

import ai.djl.ndarray.NDManager;
import dev.frost.data.ArrayDataset;
import dev.frost.data.HostBatch;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.Sgd;
import dev.frost.io.Checkpoints;
import dev.frost.loss.Losses;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import dev.frost.train.Callback;
import dev.frost.train.GroupTimings;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The "auto" policy: AutoFreeze's signal weighted by measured per-group cost. */
class CostAwareFreezeTest {
    private static final ArrayDataset DATA = PoliciesTest.DATA;

    private static FrostModel mlp() {
        return PoliciesTest.mlp();
    }

    private static TrainConfig.Builder cfg(int epochs) {
        return PoliciesTest.cfg(epochs);
    }

    @Test
    void costDecidesBetweenGroupsWhoseGradientsChangeAlike() {
        // ratios r = |prev - g| / prev: 0.5, 0.1, 0.1, 0.9 -> median 0.3; without costs the first group (0.5 >= 0.3)
        // stays trainable, so nothing freezes
        double[] prev = {1, 1, 1, 1};
        double[] cur = {0.5, 0.9, 0.9, 0.1};
        assertEquals(0, AutoFreeze.decide(prev, cur, 0, 50));
        assertEquals(0, AutoFreeze.decide(prev, cur, 0, 50, new double[] {1, 1, 1, 1}), "equal costs: AutoFreeze");
        // the first group costs 8x each of the others: scores r / (cost / mean cost) = 0.17, 0.28, 0.28, 2.48, median
        // 0.28, so the expensive first group freezes although its gradients change the most of the first three
        assertEquals(1, AutoFreeze.decide(prev, cur, 0, 50, new double[] {8, 1, 1, 1}));
        // a cheap group is kept: the same signals with the first group nearly free freeze nothing
        assertEquals(0, AutoFreeze.decide(prev, cur, 0, 50, new double[] {0.01, 1, 1, 1}));
        // never unfreezes, and scores only the trainable candidates: from a frozen prefix of 2, the threshold is the
        // median of 0.1 and 0.9, so the third group freezes too
        assertEquals(3, AutoFreeze.decide(prev, cur, 2, 50, new double[] {0.01, 1, 1, 1}));
    }

    @Test
    void groupTimingsMeasureEveryGroupWithoutTouchingTheModel() {
        try (FrostModel m = mlp(); NDManager nd = m.manager().newSubManager()) {
            m.group("fc1").freeze();
            Map<String, float[]> before = Snapshots.of(m);
            var b = HostBatch.read(DATA, DATA.naturalOrder(), null, 0).toEngine(nd);
            GroupTimings t = GroupTimings.measure(m, b, Losses.softmaxCrossEntropy(), 3);
            assertEquals(5, t.groups().length);
            assertEquals("fc1", t.groups()[0]);
            assertTrue(t.stepSeconds() > 0);
            for (int k = 0; k < 5; k++) {
                assertTrue(t.forwardSeconds()[k] > 0, "forward of " + t.groups()[k]);
                assertTrue(t.backwardSeconds()[k] >= 0);
                assertTrue(t.saving(k, true) >= t.saving(k, false));
            }
            Snapshots.changed(before, Snapshots.of(m)).forEach(k -> {
                throw new AssertionError(k + " changed");
            });
            for (var p : m.learnableParameters().entrySet()) {
                if (p.getKey().startsWith("fc1")) {
                    assertTrue(!dev.frost.engine.Autograd.hasGradientBuffer(p.getValue().getArray()),
                            p.getKey() + " is frozen: the probe gives it no gradient buffer");
                }
            }
            assertTrue(m.group("fc1").isFrozen(), "freeze state untouched");
        }
    }

    @Test
    void measuresCostsEarlyAndFreezesAPrefixOnARealRun() {
        try (FrostModel m = mlp()) {
            CostAwareFreeze auto = new CostAwareFreeze();
            new Trainer(m, new Sgd(0.9, false, 0), cfg(6).optCache(CacheConfig.defaults()).build(), auto)
                    .fit(DATA, null);
            assertNotNull(auto.costs());
            assertEquals(4, auto.costs().length, "one cost per candidate (fc1..fc4)");
            assertNotNull(auto.timings());
            assertTrue(m.frozenGroupCount() > 0, "auto froze a prefix");
            assertTrue(!m.groups().get(m.groups().size() - 1).isFrozen(), "the head trains");
        }
    }

    @Test
    void resumesMidScheduleExactlyWithTheCostsOfTheInterruptedRun(@TempDir Path dir) {
        double[] costs = {3, 1, 2, 1};
        TrainConfig c = cfg(4).optCache(CacheConfig.defaults()).build();
        Map<String, float[]> uninterrupted;
        int frozen;
        try (FrostModel m = mlp()) {
            new Trainer(m, new Sgd(0.9, false, 0), c, new CostAwareFreeze(50, 4, null, costs)).fit(DATA, null);
            uninterrupted = Snapshots.of(m);
            frozen = m.frozenGroupCount();
        }
        assertTrue(frozen > 0, "the policy froze something on this run");
        Callback stop = new Callback() {
            @Override
            public void afterStep(TrainingContext ctx) {
                if (ctx.globalStep() == 18) {
                    Checkpoints.save(dir.resolve("given"), ctx.trainer());
                    ctx.requestStop();
                }
            }
        };
        try (FrostModel m = mlp()) {
            new Trainer(m, new Sgd(0.9, false, 0), c, new CostAwareFreeze(50, 4, null, costs), stop).fit(DATA, null);
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c, new CostAwareFreeze(50, 4, null, costs));
            Checkpoints.resume(dir.resolve("given"), t);
            t.fit(DATA, null);
            Map<String, float[]> resumed = Snapshots.of(m);
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), k));
            assertEquals(frozen, m.frozenGroupCount());
        }
        // measured costs are in the checkpoint: the resumed policy uses them and does not measure again
        CostAwareFreeze measured = new CostAwareFreeze();
        Callback stop2 = new Callback() {
            @Override
            public void afterStep(TrainingContext ctx) {
                if (ctx.globalStep() == 12) {
                    Checkpoints.save(dir.resolve("measured"), ctx.trainer());
                    ctx.requestStop();
                }
            }
        };
        try (FrostModel m = mlp()) {
            new Trainer(m, new Sgd(0.9, false, 0), c, measured, stop2).fit(DATA, null);
        }
        try (FrostModel m = mlp()) {
            CostAwareFreeze again = new CostAwareFreeze();
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c, again);
            Checkpoints.resume(dir.resolve("measured"), t);
            assertArrayEquals(measured.costs(), again.costs());
            t.fit(DATA, null);
            assertArrayEquals(measured.costs(), again.costs(), "not measured again after the resume");
            assertNull(again.timings());
        }
    }
}
