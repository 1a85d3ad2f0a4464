package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.Sgd;
import dev.frost.loss.Loss;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A step that fails leaves nothing behind for the next one, and says what failed in Frost's words. */
class StepFailureTest {
    private static final ArrayDataset DATA = SyntheticData.classification("fail", 64, new Shape(12), 3, 5);

    private static TrainConfig cfg(double lr) {
        return TrainConfig.builder().setEpochs(1).optBatchSize(16).optLearningRate(lr).optShuffle(false)
                .optProgressBar(false).optMeasureFullStep(false).build();
    }

    private static double gradientMass(FrostModel m) {
        double sum = 0;
        for (Parameter p : m.learnableParameters().values()) {
            try (NDArray a = p.getArray().getGradient().abs(); NDArray s = a.sum()) {
                sum += s.getFloat();
            }
        }
        return sum;
    }

    @Test
    void aCallbackThatThrowsAfterBackwardLeavesNoGradientForTheNextStep() {
        try (FrostModel m = Models.mlp(12, new int[] {16}, 3, 1)) {
            Callback boom = new Callback() {
                @Override
                public void afterBackward(TrainingContext ctx) {
                    throw new IllegalStateException("boom");
                }
            };
            assertThrows(RuntimeException.class, () -> new Trainer(m, new Sgd(0, false, 0), cfg(0.1),
                    List.of(boom)).fit(DATA, null));
            assertEquals(0.0, gradientMass(m), "the failed step's gradients were left in the parameters");
        }
    }

    @Test
    void aLossThatIsNotOneNumberIsNamed() {
        Loss perExample = new Loss() {
            @Override
            public String name() {
                return "per-example";
            }

            @Override
            public NDArray compute(NDArray predictions, NDArray labels) {
                return predictions.sum(new int[] {1});
            }
        };
        try (FrostModel m = Models.mlp(12, new int[] {16}, 3, 1)) {
            TrainConfig c = TrainConfig.builder().setEpochs(1).optBatchSize(16).optLearningRate(0.1)
                    .optLoss(perExample).optProgressBar(false).optMeasureFullStep(false).build();
            FrostException e = assertThrows(FrostException.class,
                    () -> new Trainer(m, new Sgd(0, false, 0), c).fit(DATA, null));
            assertTrue(e.getMessage().contains("'per-example' returned shape (16)"), e.getMessage());
            assertEquals(0.0, gradientMass(m));
        }
    }

    @Test
    void aDivergingStepOutsideAFitIsAFrostExceptionAndTheLrFinderEndsItsSweepThere() {
        try (FrostModel m = Models.mlp(12, new int[] {16}, 3, 1)) {
            Map<String, float[]> before = Snapshots.of(m);
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(0.1));
            LrFinder.Result r = LrFinder.find(t, DATA, 1e-3, 1e30, 20); // rates far past divergence
            assertTrue(r.learningRates().length < 20,
                    "the sweep ended at the divergence, after " + r.learningRates().length);
            assertTrue(Snapshots.changed(before, Snapshots.of(m)).isEmpty(), "the finder puts the weights back");
            assertEquals(0.0, gradientMass(m));
            try (var nd = m.manager().newSubManager()) {
                NDArray x = nd.ones(new Shape(4, 12));
                NDArray y = nd.zeros(new Shape(4), ai.djl.ndarray.types.DataType.INT32);
                FrostException e = assertThrows(FrostException.class, () -> {
                    for (int i = 0; i < 10; i++) {
                        t.trainStep(x, y, 1e38, 0);
                    }
                });
                assertTrue(e.getMessage().contains("diverged"), e.getMessage());
            }
        }
    }

    @Test
    void aModelThatOutputsMoreThanAVectorPerExampleIsNamedBeforeTraining() {
        ArrayDataset grid = SyntheticData.classification("grid", 32, new Shape(2, 5), 3, 1);
        try (FrostModel m = FrostModel.builder(new Shape(2, 5)).addGroup("head", dev.frost.layers.Layers.linear("fc",
                3)).build()) {
            FrostException e = assertThrows(FrostException.class,
                    () -> new Trainer(m, new Sgd(0, false, 0), cfg(0.1)).fit(grid, null));
            assertTrue(e.getMessage().contains("outputs (2, 3) per example") && e.getMessage().contains("flatten"),
                    e.getMessage());
        }
    }

    @Test
    void aFitAfterOneThatFailedStartsItsOwnCall() {
        boolean[] armed = {true};
        Callback failsInEpoch2 = new Callback() {
            @Override
            public void beforeEpoch(TrainingContext ctx) {
                if (armed[0] && ctx.epochInFit() == 1) {
                    throw new IllegalStateException("boom");
                }
            }
        };
        try (FrostModel m = Models.mlp(12, new int[] {16}, 3, 1)) {
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(0.1), List.of(failsInEpoch2));
            assertThrows(RuntimeException.class, () -> t.fit(DATA, null, 5));
            armed[0] = false;
            assertEquals(1, t.fit(DATA, null, 1).epochs().size(), "the asked epoch, not the 4 the failed call had left");
        }
    }

    @Test
    void aStepOutsideAFitTakesTheGivenLossOnLabelsItCannotClassify() {
        try (FrostModel m = Models.mlp(12, new int[] {16}, 3, 1); var nd = m.manager().newSubManager()) {
            TrainConfig c = TrainConfig.builder().optBatchSize(4).optLearningRate(0.1)
                    .optLoss(dev.frost.loss.Losses.binaryCrossEntropy()).optProgressBar(false).build();
            Trainer t = new Trainer(m, new Sgd(0, false, 0), c);
            NDArray x = nd.ones(new Shape(4, 12));
            NDArray y = nd.zeros(new Shape(4, 3)); // multi-hot floats: they look like regression targets here
            assertTrue(Double.isFinite(t.trainStep(x, y, 0.1, m.frozenPrefixLength()).meanLoss()));
        }
    }
}
