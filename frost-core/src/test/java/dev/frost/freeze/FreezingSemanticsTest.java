package dev.frost.freeze;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.engine.Autograd;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The four switches' semantics (the cache has its own tests), checked bit for bit on real training steps. */
class FreezingSemanticsTest {
    private static final ArrayDataset IMAGES = SyntheticData.classification("img", 96, new Shape(1, 28, 28), 10, 3);
    private static final ArrayDataset VECTORS = SyntheticData.classification("vec", 256, new Shape(20), 4, 5);

    private static TrainConfig steps(int epochs, int batch) {
        return TrainConfig.builder().setEpochs(epochs).optBatchSize(batch).optLearningRate(1e-2)
                .optProgressBar(false).optMeasureFullStep(false).build();
    }

    private static FrostModel smallCnn() {
        return Models.cnn(new int[] {4, 8, 8}, 10, 7);
    }

    private static Set<String> tensorsOfGroups(FrostModel model, String... groups) {
        Set<String> out = new java.util.TreeSet<>();
        for (String g : groups) {
            model.group(g).layers().forEach(l -> l.allParameters().keySet().forEach(k -> out.add(l.name() + "." + k)));
        }
        return out;
    }

    @Test
    void frozenWeightsAndBatchNormStatisticsStayBitIdentical() {
        try (FrostModel model = smallCnn()) {
            model.freezeTo(2);
            Map<String, float[]> before = Snapshots.of(model);
            new Trainer(model, new Sgd(0.9, true, 1e-2), steps(2, 32)).fit(IMAGES, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            for (String t : tensorsOfGroups(model, "block1", "block2")) {
                assertFalse(changed.contains(t), "frozen tensor changed: " + t);
            }
            // trainable groups, BN running statistics included, did move
            assertTrue(changed.containsAll(Set.of("conv3.weight", "bn3.runningMean", "bn3.runningVar", "fc.weight")),
                    "changed: " + changed);
        }
    }

    @Test
    void trainBnKeepsStatisticsAndAffineParametersLiveInFrozenGroups() {
        try (FrostModel model = smallCnn()) {
            model.freeze().setTrainBn(true);
            Map<String, float[]> before = Snapshots.of(model);
            new Trainer(model, new AdamW(), steps(1, 32)).fit(IMAGES, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            assertTrue(changed.containsAll(Set.of("bn1.runningMean", "bn1.runningVar", "bn1.gamma", "bn2.beta")),
                    "changed: " + changed);
            assertFalse(changed.contains("conv1.weight"));
            assertFalse(changed.contains("conv2.weight"));
        }
    }

    @Test
    void frozenPrefixRunsWithoutAutogradAndMiddleFrozenLayerStillPassesGradients() {
        try (FrostModel model = Models.mlp(20, new int[] {16, 16, 16}, 4, 1); NDManager m = model.manager().newSubManager()) {
            model.freezeTo(2);
            model.applyFreezeState();
            assertEquals(4, model.frozenPrefixLength(), "fc1, relu1, fc2, relu2 form the frozen prefix");
            NDArray x = m.randomNormal(new Shape(8, 20));
            try (var gc = Autograd.record()) {
                NDArray h = model.runFrozen(x, 0, model.frozenPrefixLength());
                assertFalse(Autograd.requiresGrad(h), "prefix output must not be part of a graph");
                assertTrue(Autograd.isRecording(), "recording is restored after the prefix");
            }

            // Now freeze only the middle group: fc1 trainable, fc2 frozen, fc3 and head trainable.
            model.unfreeze();
            model.group("fc2").freeze();
            model.applyFreezeState();
            assertEquals(0, model.frozenPrefixLength());
            Map<String, float[]> before = Snapshots.of(model);
            new Trainer(model, new Sgd(0, false, 0), steps(1, 64)).fit(VECTORS, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            assertTrue(changed.containsAll(Set.of("fc1.weight", "fc1.bias", "fc3.weight", "out.weight")),
                    "gradients reach fc1 through the frozen fc2: " + changed);
            assertFalse(changed.contains("fc2.weight"));
            assertFalse(changed.contains("fc2.bias"));
        }
    }

    @Test
    void frozenParametersOwnNoOptimizerStateAndUnfreezingMidRunChangesThem() {
        try (FrostModel model = Models.mlp(20, new int[] {16, 16}, 4, 2)) {
            model.freeze();
            AdamW opt = new AdamW();
            Map<String, float[]>[] atUnfreeze = new Map[1];
            Callback unfreezeAfterTwoSteps = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 2) {
                        assertEquals(Set.of("out.weight", "out.bias"), ctx.optimizer().statefulParameters(),
                                "only the head owns state while the base is frozen");
                        atUnfreeze[0] = dev.frost.model.Snapshots.of(ctx.model());
                        ctx.model().unfreeze();
                    }
                }
            };
            new Trainer(model, opt, steps(1, 32), unfreezeAfterTwoSteps).fit(VECTORS, null);
            Set<String> changed = Snapshots.changed(atUnfreeze[0], Snapshots.of(model));
            assertTrue(changed.containsAll(Set.of("fc1.weight", "fc2.weight")), "unfrozen layers train: " + changed);
            assertTrue(opt.hasState("fc1.weight"));
            assertEquals(6L, opt.stepCounts().get("fc1.weight"), "fresh state: 8 steps, unfrozen after 2");
            assertEquals(8L, opt.stepCounts().get("out.weight"));

            model.freeze();
            new Trainer(model, opt, steps(1, 256)).fit(VECTORS, null);
            assertFalse(opt.hasState("fc1.weight"), "state is dropped when a parameter is frozen again");
            assertEquals(Set.of("out.weight", "out.bias"), opt.statefulParameters());
        }
    }

    @Test
    void momentumAndWeightDecayNeverMoveAParameterFrozenMidRun() {
        try (FrostModel model = Models.mlp(20, new int[] {16}, 4, 3)) {
            Map<String, float[]>[] atFreeze = new Map[1];
            Callback freezeAfterThree = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 3) {
                        ctx.model().freeze();
                        atFreeze[0] = Snapshots.of(ctx.model());
                    }
                }
            };
            // Large momentum and weight decay: with zero gradients instead of none, fc1 would keep drifting.
            new Trainer(model, new Sgd(0.9, false, 0.1), steps(1, 16), freezeAfterThree).fit(VECTORS, null);
            Set<String> changed = Snapshots.changed(atFreeze[0], Snapshots.of(model));
            assertFalse(changed.contains("fc1.weight"));
            assertFalse(changed.contains("fc1.bias"));
            assertTrue(changed.contains("out.weight"));
        }
    }
}
