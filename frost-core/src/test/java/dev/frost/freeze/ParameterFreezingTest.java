package dev.frost.freeze;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.ModelSummary;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A single parameter frozen on its own gets every guarantee a frozen layer gets. */
class ParameterFreezingTest {
    private static final ArrayDataset VECTORS = SyntheticData.classification("vec", 128, new Shape(10), 3, 7);

    private static TrainConfig oneEpoch() {
        return TrainConfig.builder().setEpochs(1).optBatchSize(16).optLearningRate(1e-2)
                .optProgressBar(false).optMeasureFullStep(false).build();
    }

    @Test
    void frozenBiasStaysBitIdenticalOwnsNoStateAndCountsAsFrozen() {
        try (FrostModel model = Models.mlp(10, new int[] {6}, 3, 1)) {
            long total = model.summary().trainableParameters();
            model.layer("fc1").setParameterTrainable("bias", false);
            assertFalse(model.layer("fc1").isParameterTrainable("bias"));
            assertTrue(model.layer("fc1").isTrainable(), "the weight still trains");
            ModelSummary s = model.summary();
            assertEquals(total - 6, s.trainableParameters());
            assertEquals(6, s.frozenParameters());
            assertEquals(6L * 10, s.rows().get(0).trainableParameters());
            assertTrue(s.toString().contains("partial"), s.toString());
            assertEquals(Set.of("fc1.bias"), model.frozenPaths());

            Map<String, float[]> before = Snapshots.of(model);
            // weight decay and momentum would move a parameter that merely got a zero gradient
            AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1);
            new Trainer(model, opt, oneEpoch()).fit(VECTORS, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            assertFalse(changed.contains("fc1.bias"));
            assertTrue(changed.containsAll(Set.of("fc1.weight", "out.weight", "out.bias")), "changed: " + changed);
            assertFalse(opt.hasState("fc1.bias"));
            assertTrue(opt.hasState("fc1.weight"));
            assertFalse(model.learnableParameters().get("fc1.bias").requiresGradient());
        }
    }

    @Test
    void everyParameterFrozenOnItsOwnFreezesTheLayerAndJoinsThePrefix() {
        try (FrostModel model = Models.mlp(10, new int[] {6, 6}, 3, 2)) {
            Layer fc1 = model.layer("fc1");
            fc1.setParameterTrainable("weight", false).setParameterTrainable("bias", false);
            model.applyFreezeState();
            assertFalse(fc1.isTrainable());
            assertEquals(2, model.frozenPrefixLength(), "fc1 and relu1 run without autograd");
            assertEquals(Set.of("fc1"), model.frozenLayerNames());

            fc1.setParameterTrainable("bias", true);
            model.applyFreezeState();
            assertEquals(0, model.frozenPrefixLength(), "a trainable bias puts fc1 back on the gradient path");
            assertEquals(Set.of("fc1.weight"), model.frozenPaths());

            Map<String, float[]> before = Snapshots.of(model);
            Sgd opt = new Sgd(0.9, false, 0.1);
            new Trainer(model, opt, oneEpoch()).fit(VECTORS, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            assertFalse(changed.contains("fc1.weight"));
            assertTrue(changed.contains("fc1.bias"));
            assertFalse(opt.hasState("fc1.weight"));

            model.unfreeze();
            assertTrue(model.frozenPaths().isEmpty(), "setTrainable(true) clears parameter flags");
            assertTrue(fc1.isParameterTrainable("weight"));
        }
    }

    @Test
    void unknownOrNonLearnableParametersAreOneLineErrors() {
        try (FrostModel model = Models.cnn(new int[] {2, 2, 2}, 3, 1)) {
            FrostException e = assertThrows(FrostException.class,
                    () -> model.layer("conv1").setParameterTrainable("bais", false));
            assertTrue(e.getMessage().contains("'bais'") && e.getMessage().contains("weight, bias"), e.getMessage());
            e = assertThrows(FrostException.class,
                    () -> model.layer("bn1").setParameterTrainable("runningMean", false));
            assertTrue(e.getMessage().contains("no learnable parameter 'runningMean'"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            e = assertThrows(FrostException.class, () -> model.setFrozenPaths(Set.of("conv1.nope")));
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
        }
    }
}
