package dev.frost.examples;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.io.ClasspathCheckpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded bases load from the classpath with the library alone (no demo class). */
class EmbeddedBaseTest {
    @Test
    void theBaseLoadsFromItsResourceFolderAndIsPretrained() {
        ArrayDataset digits = DigitsGrid.embedded();
        try (FrostModel fresh = Models.cnn(10, 42); FrostModel base = Models.cnn(10, 42)) {
            ClasspathCheckpoints.loadModel(EmbeddedBaseTest.class, "/frost/base/fashion-cnn", base);
            // pretrained conv filters differ from a fresh initialization with the same seed
            float[] a = fresh.layer("conv1").allParameters().get("weight").getArray().toFloatArray();
            float[] b = base.layer("conv1").allParameters().get("weight").getArray().toFloatArray();
            assertTrue(!java.util.Arrays.equals(a, b));
            // the real BatchNorm statistics came with it
            float[] var = base.layer("bn1").allParameters().get("runningVar").getArray().toFloatArray();
            assertTrue(java.util.Arrays.stream(toDoubles(var)).anyMatch(v -> Math.abs(v - 1) > 1e-3));
            assertTrue(Double.isFinite(base.evaluate(digits.subset("few", new int[] {0, 600, 1200})).loss()));
        }
        FrostException e = assertThrows(FrostException.class, () -> {
            try (FrostModel m = Models.cnn(10, 1)) {
                ClasspathCheckpoints.loadModel(EmbeddedBaseTest.class, "/frost/base/none", m);
            }
        });
        assertTrue(e.getMessage().contains("/frost/base/none/checkpoint.json"), e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fonts", "fashion"})
    void embeddedBaseLoadsItsWeightsAndFreezeState(String name) {
        try (FrostModel fresh = Models.cnn(10, 1); FrostModel loaded = Models.cnn(10, 1)) {
            loaded.freezeTo(2);
            DigitsTransfer.loadBase(name.equals("fonts") ? DigitsTransfer.Base.FONTS : DigitsTransfer.Base.FASHION,
                    loaded);
            assertTrue(loaded.frozenPaths().isEmpty(), "the base was saved with nothing frozen");
            java.util.Map<String, float[]> before = dev.frost.model.Snapshots.of(fresh);
            assertEquals(before.keySet(), dev.frost.model.Snapshots.of(loaded).keySet());
            assertEquals(before.keySet(), dev.frost.model.Snapshots.changed(before,
                    dev.frost.model.Snapshots.of(loaded)), "every tensor comes from the checkpoint");
        }
    }

    @Test
    void theFontBaseReadsRealDigitsItNeverSaw() {
        // pretrained on font-rendered digits only: as a classifier it already reads most of the real MNIST digits
        try (FrostModel base = Models.cnn(10, 1)) {
            DigitsTransfer.loadBase(DigitsTransfer.Base.FONTS, base);
            double accuracy = base.evaluate(DigitsGrid.embedded()).accuracy();
            assertTrue(accuracy > 0.85, "zero-shot accuracy " + accuracy);
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
