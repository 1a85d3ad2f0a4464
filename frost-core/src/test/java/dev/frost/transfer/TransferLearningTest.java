package dev.frost.transfer;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransferLearningTest {
    private static final ArrayDataset DATA = SyntheticData.classification("d", 64, new Shape(1, 28, 28), 5, 4);

    private static FrostModel transferred() {
        FrostModel base = Models.cnn(new int[] {4, 8, 8}, 10, 1);
        return TransferLearning.from(base).cutAfterLayer("gap")
                .addHead("head", Layers.linear("new_fc", 5)).optSeed(3).build();
    }

    @Test
    void cutAndNewHeadHaveTheRightShapesAndFreezeState() {
        try (FrostModel m = transferred()) {
            assertEquals(List.of("block1", "block2", "block3", "head"),
                    m.groups().stream().map(LayerGroup::name).toList());
            assertEquals(new Shape(5), m.outputShape());
            assertEquals(List.of("new_fc"), m.group("head").layers().stream().map(l -> l.name()).toList());
            assertFalse(m.layers().stream().anyMatch(l -> l.name().equals("fc")), "the old head is cut off");
            Set<String> baseLayers = new java.util.HashSet<>();
            m.layers().forEach(l -> baseLayers.add(l.name()));
            baseLayers.remove("new_fc");
            assertEquals(baseLayers, m.frozenLayerNames(), "every kept base layer is frozen, the new head is not");
            assertEquals(8 * 5 + 5, m.summary().trainableParameters());
        }
        try (FrostModel base = Models.cnn(new int[] {4, 8, 8}, 10, 1);
             FrostModel m = TransferLearning.from(base).cutAfterGroup("block2")
                     .addHead("pool", Layers.globalAvgPool("gap2")).addHead("head", Layers.linear("fc2", 3))
                     .optFreezeBase(false).build()) {
            assertEquals(List.of("block1", "block2", "pool", "head"),
                    m.groups().stream().map(LayerGroup::name).toList());
            assertTrue(m.frozenLayerNames().isEmpty());
            assertEquals(new Shape(3), m.outputShape());
        }
        FrostModel base = Models.cnn(new int[] {4, 8, 8}, 10, 1);
        FrostException e = assertThrows(FrostException.class, () -> TransferLearning.from(base).cutAfterLayer("nope"));
        assertTrue(e.getMessage().contains("unknown layer 'nope'"));
        base.close();
    }

    @Test
    void fineTuneLeavesTheBaseUntouchedWhileFrozenAndChangesItAfterUnfreezing() {
        try (FrostModel m = transferred()) {
            Map<String, float[]> start = Snapshots.of(m);
            List<Set<String>> changedAfterPhase = new ArrayList<>();
            List<double[]> multipliers = new ArrayList<>();
            Callback watch = new Callback() {
                @Override
                public void afterFit(TrainingContext ctx) {
                    changedAfterPhase.add(Snapshots.changed(start, Snapshots.of(ctx.model())));
                    multipliers.add(ctx.model().groups().stream().mapToDouble(g -> g.lrMultiplier()).toArray());
                }
            };
            FineTune.Settings s = FineTune.Settings.defaults().withBatchSize(16).withProgressBar(false)
                    .withCallbacks(watch);
            FineTune.Result r = FineTune.fineTune(m, DATA, null, 1, 1, 1e-3, s);
            assertEquals(2, r.phases().size());
            Set<String> frozenPhase = changedAfterPhase.get(0);
            assertEquals(Set.of("new_fc.weight", "new_fc.bias"), frozenPhase, "only the head moves while frozen");
            Set<String> after = changedAfterPhase.get(1);
            assertTrue(after.containsAll(Set.of("conv1.weight", "bn1.runningMean", "conv3.weight")), after.toString());
            assertTrue(m.frozenLayerNames().isEmpty());
            double[] second = multipliers.get(1);
            assertEquals(1 / s.lrMult(), second[0], 1e-12, "fastai slice(lr/lrMult, lr): first group at 1/lrMult");
            assertEquals(1.0, second[second.length - 1], 1e-12);
            m.groups().forEach(g -> assertEquals(1.0, g.lrMultiplier(), 0, "the caller's multipliers come back"));
        }
    }

    @Test
    void gradualUnfreezingOpensOneGroupPerStageTopDown() {
        try (FrostModel m = transferred()) {
            List<Integer> frozenPerEpoch = new ArrayList<>();
            List<Double> firstLrPerStage = new ArrayList<>();
            List<Long> stageSteps = new ArrayList<>();
            double[] firstGroupMultiplier = new double[1];
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    if (ctx.stepInEpoch() == 0) {
                        frozenPerEpoch.add(ctx.model().frozenGroupCount());
                    }
                    firstGroupMultiplier[0] = ctx.model().groups().get(0).lrMultiplier();
                    if (ctx.stepInFit() == 0) {
                        assertEquals(0, ctx.optimizer().stateCount(), "a stage starts with no optimizer state");
                    }
                }

                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.stepInFit() == 1) {
                        firstLrPerStage.add(ctx.lastLearningRate());
                        stageSteps.add(ctx.totalSteps());
                        int newest = ctx.model().frozenGroupCount(); // the group this stage unfroze
                        Map<String, Long> counts = ctx.optimizer().stepCounts();
                        ctx.model().groups().get(newest).layers().forEach(l -> l.learnableParameters().keySet()
                                .forEach(p -> assertEquals(1L, counts.get(l.name() + "." + p),
                                        "fresh state for the newly unfrozen " + l.name() + "." + p)));
                        counts.values().forEach(c -> assertEquals(1L, c, "no stale optimizer state"));
                    }
                }
            };
            FineTune.Settings s = FineTune.Settings.defaults().withBatchSize(32).withProgressBar(false)
                    .withCallbacks(watch);
            FineTune.Result r = FineTune.gradualUnfreezing(m, DATA, null, 5, 1, 1e-3, s);
            assertEquals(List.of(3, 2, 1, 0, 0), frozenPerEpoch);
            assertEquals(4, r.phases().size(), "one fit call (one one-cycle) per stage");
            assertEquals(List.of(2L, 2L, 2L, 4L), stageSteps, "the last stage takes the epochs left");
            for (int stage = 0; stage < 4; stage++) {
                double start = 1e-3 * dev.frost.train.LrSchedule.oneCycle(0.25, 25, 1e5).factor(0, stageSteps.get(stage));
                assertEquals(start, firstLrPerStage.get(stage), 1e-15, "stage " + stage + " starts at lr / div");
            }
            assertEquals(1e-3 / 25, firstLrPerStage.get(3), 1e-15);
            assertEquals(1 / (2.6 * 2.6 * 2.6), firstGroupMultiplier[0], 1e-12);
            assertEquals(1.0, m.groups().get(0).lrMultiplier(), 0, "restored after the call");
        }
    }

    @Test
    void partialFineTuneKeepsTheFirstGroupsFrozenThroughout() {
        try (FrostModel m = transferred()) {
            Map<String, float[]> start = Snapshots.of(m);
            FineTune.Settings s = FineTune.Settings.defaults().withBatchSize(16).withProgressBar(false);
            FineTune.fineTune(m, DATA, null, 1, 1, 1e-3, 2, s);
            Set<String> changed = Snapshots.changed(start, Snapshots.of(m));
            for (String t : start.keySet()) {
                String layer = t.substring(0, t.indexOf('.'));
                int group = m.groups().indexOf(m.groupOf(m.layer(layer)));
                assertEquals(group >= 2, changed.contains(t), t + " in group " + group);
            }
            assertEquals(2, m.frozenGroupCount());
        }
    }

    @Test
    void oneCycleMatchesFastaiSchedules() {
        var oneCycle = dev.frost.train.LrSchedule.oneCycle(0.3, 5, 1e5);
        assertEquals(1 / 5.0, oneCycle.factor(0, 100), 1e-12, "starts at lr/div");
        assertEquals(1.0, oneCycle.factor(30, 100), 1e-12, "peaks at pct_start");
        assertEquals(1e-5, oneCycle.factor(100, 100), 1e-12, "ends at lr/div_final");
        var moms = dev.frost.train.LrSchedule.momentumCycle(0.3, 0.95, 0.85);
        assertEquals(0.95, moms.factor(0, 100), 1e-12);
        assertEquals(0.85, moms.factor(30, 100), 1e-12);
        assertEquals(0.95, moms.factor(100, 100), 1e-12);
    }
}
