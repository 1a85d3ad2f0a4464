package dev.frost.train.callbacks;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A callback watching a quantity the fit never records says so instead of stopping (or never saving) silently. */
class MonitorCheckTest {
    private static final ArrayDataset TRAIN = SyntheticData.classification("m", 64, new Shape(6), 3, 1);
    private static final ArrayDataset VALID = SyntheticData.classification("v", 32, new Shape(6), 3, 2);

    private static String fitWith(Callback c, ArrayDataset valid) {
        try (FrostModel m = Models.mlp(6, new int[] {8}, 3, 1)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(5).optBatchSize(16).optLearningRate(0.05)
                    .optProgressBar(false).optMeasureFullStep(false).build();
            return assertThrows(FrostException.class, () -> new Trainer(m, new Sgd(0, false, 0), cfg, c)
                    .fit(TRAIN, valid)).getMessage();
        }
    }

    @Test
    void aTypoOrAMissingValidationSetIsNamed() {
        String typo = fitWith(new EarlyStopping("valid_acc", 1, 0), VALID);
        assertTrue(typo.contains("'valid_acc' is not a quantity this fit records") && typo.contains("valid_loss")
                && typo.contains("valid_accuracy"), typo);
        String noValid = fitWith(new EarlyStopping(), null);
        assertTrue(noValid.contains("'valid_loss' has no value: this fit has no validation data"), noValid);
    }

    @Test
    void aKnownQuantityStillStopsEarly() {
        try (FrostModel m = Models.mlp(6, new int[] {8}, 3, 1)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(6).optBatchSize(16).optLearningRate(1e-12)
                    .optProgressBar(false).optMeasureFullStep(false).build();
            EarlyStopping es = new EarlyStopping("valid_accuracy", 1, 0);
            new Trainer(m, new Sgd(0, false, 0), cfg, es).fit(TRAIN, VALID);
            assertEquals(2, es.stoppedEpoch(), "lr 1e-12: nothing improves after the first epoch");
        }
    }
}
