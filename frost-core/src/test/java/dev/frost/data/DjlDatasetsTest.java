package dev.frost.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import dev.frost.FrostException;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter over DJL's own {@code ai.djl.training.dataset.ArrayDataset} (not Frost's ArrayDataset). */
class DjlDatasetsTest {

    private static RandomAccessDataset djl(NDArray... dataThenLabel) {
        NDArray[] data = java.util.Arrays.copyOf(dataThenLabel, dataThenLabel.length - 1);
        return new ai.djl.training.dataset.ArrayDataset.Builder().setData(data)
                .optLabels(dataThenLabel[dataThenLabel.length - 1]).setSampling(8, false).build();
    }

    private static float[] random(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextDouble(-1, 1);
        }
        return v;
    }

    @Test
    void recordsBecomeFeaturesSideInputsAndLabels() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = random(1, 10 * 6);
            float[] mask = random(2, 10 * 4);
            long[] ids = {0, 2, 1, 2, 0, 1, 1, 0, 2, 2};
            RandomAccessDataset source = djl(m.create(x, new Shape(10, 2, 3)), m.create(mask, new Shape(10, 4)),
                    m.create(ids));
            Dataset d = DjlDatasets.from(source, new Shape(2, 3), Map.of("mask", new Shape(4)), LabelKind.CLASS, 3,
                    "djl", 0);
            assertEquals(10, d.size());
            assertEquals(Map.of("mask", new Shape(4)), d.sideInputShapes());
            for (int i = 0; i < 10; i++) {
                float[] f = new float[6];
                d.readFeatures(i, f, 0);
                assertArrayEquals(java.util.Arrays.copyOfRange(x, i * 6, i * 6 + 6), f);
                float[] s = new float[4];
                d.readSideInput("mask", i, s, 0);
                assertArrayEquals(java.util.Arrays.copyOfRange(mask, i * 4, i * 4 + 4), s);
                float[] y = new float[1];
                d.readLabel(i, y, 0);
                assertEquals(ids[i], (long) y[0]);
            }

            // same content, same fingerprint; other content, another; a given fingerprint is kept
            Dataset again = DjlDatasets.from(djl(m.create(x, new Shape(10, 2, 3)), m.create(mask, new Shape(10, 4)),
                    m.create(ids)), new Shape(2, 3), Map.of("mask", new Shape(4)), LabelKind.CLASS, 3, "djl", 0);
            assertEquals(d.fingerprint(), again.fingerprint());
            long[] other = ids.clone();
            other[9] = 1;
            Dataset changed = DjlDatasets.from(djl(m.create(x, new Shape(10, 2, 3)), m.create(mask, new Shape(10, 4)),
                    m.create(other)), new Shape(2, 3), Map.of("mask", new Shape(4)), LabelKind.CLASS, 3, "djl", 0);
            assertNotEquals(d.fingerprint(), changed.fingerprint());
            assertEquals(1234L, DjlDatasets.from(source, new Shape(2, 3), Map.of(), LabelKind.CLASS, 3, "djl", 1234L)
                    .fingerprint());

            // regression targets of width 2
            float[] t = random(3, 20);
            Dataset r = DjlDatasets.from(djl(m.create(x, new Shape(10, 6)), m.create(t, new Shape(10, 2))),
                    new Shape(6), LabelKind.REGRESSION, 2, "reg");
            float[] y = new float[2];
            r.readLabel(7, y, 0);
            assertArrayEquals(new float[] {t[14], t[15]}, y);
        }
    }

    @Test
    void mismatchedShapesAndLabelsAreOneLineErrors() {
        try (NDManager m = NDManager.newBaseManager()) {
            RandomAccessDataset source = djl(m.create(random(1, 12), new Shape(4, 3)), m.create(new long[] {0, 1, 5, 1}));
            Dataset wrongShape = DjlDatasets.from(source, new Shape(4), LabelKind.CLASS, 2, "bad");
            FrostException e = assertThrows(FrostException.class, () -> wrongShape.readFeatures(0, new float[4], 0));
            assertTrue(e.getMessage().contains("'bad' record 0") && e.getMessage().contains("expected 4"),
                    e.getMessage());
            Dataset d = DjlDatasets.from(source, new Shape(3), LabelKind.CLASS, 2, "bad");
            e = assertThrows(FrostException.class, () -> d.readLabel(2, new float[1], 0));
            assertTrue(e.getMessage().contains("record 2") && e.getMessage().contains("class 5.0"), e.getMessage());
            e = assertThrows(FrostException.class, () -> d.readSideInput("mask", 0, new float[1], 0));
            assertTrue(e.getMessage().contains("no side input 'mask'"), e.getMessage());
        }
    }

    @Test
    void trainerFitsThroughTheAdapterWithBackgroundReads() {
        ArrayDataset frost = SyntheticData.classification("blobs", 192, new Shape(32), 3, 6);
        float[] x = new float[192 * 32];
        long[] y = new long[192];
        for (int i = 0; i < 192; i++) {
            frost.readFeatures(i, x, i * 32);
            y[i] = frost.label(i);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Dataset d = DjlDatasets.from(djl(m.create(x, new Shape(192, 32)), m.create(y)), new Shape(32),
                    LabelKind.CLASS, 3, "blobs-djl");
            TrainConfig config = TrainConfig.builder().setEpochs(8).optBatchSize(32).optLearningRate(0.01)
                    .optPrefetch(2).optProgressBar(false).optMeasureFullStep(false).build();
            try (FrostModel model = Models.mlp(32, new int[] {16}, 3, 2)) {
                Trainer t = new Trainer(model, new AdamW(), config);
                t.fit(d, null);
                double viaAdapter = t.evaluate(d).accuracy();
                assertEquals(t.evaluate(frost).accuracy(), viaAdapter, 1e-12, "same examples, same accuracy");
                assertTrue(viaAdapter > 0.9, "accuracy " + viaAdapter);
            }
        }
    }
}
