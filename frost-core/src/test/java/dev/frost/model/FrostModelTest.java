package dev.frost.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrostModelTest {

    @Test
    void freezeToFollowsFastaiIncludingNegativeIndexes() {
        try (FrostModel model = Models.mlp(8, new int[] {4, 4, 4}, 2, 1)) {
            model.freeze();
            assertEquals(List.of(true, true, true, false), frozenFlags(model));
            model.freezeTo(-2);
            assertEquals(List.of(true, true, false, false), frozenFlags(model));
            model.freezeTo(1);
            assertEquals(List.of(true, false, false, false), frozenFlags(model));
            model.unfreeze();
            assertEquals(List.of(false, false, false, false), frozenFlags(model));
            model.freezeTo(4);
            assertEquals(4, model.frozenGroupCount());
            FrostException e = assertThrows(FrostException.class, () -> model.freezeTo(5));
            assertTrue(e.getMessage().contains("freezeTo(5)") && e.getMessage().contains("4 groups"), e.getMessage());
            assertThrows(FrostException.class, () -> model.freezeTo(-5));
        }
    }

    @Test
    void summaryCountsTrainableAndFrozenParametersLikeKeras() {
        try (FrostModel model = Models.mlp(10, new int[] {5}, 3, 1)) {
            long fc1 = 10 * 5 + 5;
            long out = 5 * 3 + 3;
            assertEquals(fc1 + out, model.summary().trainableParameters());
            model.layer("fc1").setTrainable(false);
            ModelSummary s = model.summary();
            assertEquals(out, s.trainableParameters());
            assertEquals(fc1, s.frozenParameters());
            assertTrue(s.toString().contains("N (frozen)"));
            assertEquals(2L * 10 * 5, s.rows().get(0).forwardFlops());
        }
    }

    @Test
    void cnnShapesAndFlopsAreInferred() {
        try (FrostModel model = Models.cnn(10, 1)) {
            assertEquals(new Shape(32, 28, 28), model.layer("conv1").outputShape());
            assertEquals(new Shape(128), model.layer("gap").outputShape());
            assertEquals(new Shape(10), model.outputShape());
            assertEquals(2L * 32 * 9 * 28 * 28, model.layer("conv1").forwardFlops());
            assertEquals(List.of("block1", "block2", "block3", "head"),
                    model.groups().stream().map(LayerGroup::name).toList());
        }
    }

    @Test
    void badInputGivesOneLineErrorsThatNameTheProblem() {
        try (FrostModel model = Models.mlp(8, new int[] {4}, 2, 1); NDManager m = model.manager().newSubManager()) {
            FrostException e = assertThrows(FrostException.class, () -> model.layer("nope"));
            assertTrue(e.getMessage().startsWith("unknown layer 'nope'"), e.getMessage());
            e = assertThrows(FrostException.class, () -> model.predict(m.zeros(new Shape(3, 9))));
            assertTrue(e.getMessage().contains("(3, 9)") && e.getMessage().contains("8"), e.getMessage());
            e = assertThrows(FrostException.class, () -> model.group(7));
            assertTrue(e.getMessage().contains("group index 7"), e.getMessage());
            ArrayDataset wrong = SyntheticData.classification("wrong", 10, new Shape(9), 2, 1);
            Trainer t = new Trainer(model, new AdamW(), TrainConfig.builder().optProgressBar(false).build());
            e = assertThrows(FrostException.class, () -> t.fit(wrong, null));
            assertTrue(e.getMessage().contains("'wrong'") && e.getMessage().contains("(9)"), e.getMessage());
            e = assertThrows(FrostException.class, () -> FrostModel.builder(new Shape(4))
                    .addGroup("a", Layers.linear("x", 2)).addGroup("b", Layers.linear("x", 2)).build());
            assertTrue(e.getMessage().contains("duplicate layer name 'x'"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void everythingFrozenIsRefusedWithAHint() {
        try (FrostModel model = Models.mlp(8, new int[] {4}, 2, 1)) {
            model.freezeTo(2);
            ArrayDataset d = SyntheticData.classification("d", 16, new Shape(8), 2, 1);
            Trainer t = new Trainer(model, new AdamW(), TrainConfig.builder().optProgressBar(false).build());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(d, null));
            assertTrue(e.getMessage().contains("nothing to train"), e.getMessage());
        }
    }

    @Test
    void layerIsUsableOnItsOwn() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Layer fc = Layers.linear("fc", 3).initialize(m, new Shape(5));
            assertEquals(new Shape(3), fc.outputShape());
            assertEquals(18, fc.parameterCount());
            fc.setTrainable(false);
            assertTrue(fc.parametersRequiringGrad().isEmpty());
            fc.setTrainable(true);
            assertEquals(2, fc.parametersRequiringGrad().size());
        }
    }

    private static List<Boolean> frozenFlags(FrostModel model) {
        return model.groups().stream().map(LayerGroup::isFrozen).toList();
    }
}
