package dev.frost.freeze.cache;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Rows computed by one frozen prefix are not served to another that differs only in a layer without weights. */
class CacheKeyTest {
    private static final ArrayDataset DATA = SyntheticData.classification("key", 16, new Shape(4), 2, 1);

    private static String key(Supplier<Layer> act, float scale) {
        try (FrostModel m = FrostModel.builder(new Shape(4))
                .addGroup("base", Layers.affine("norm", new float[] {scale, 1, 1, 1}, new float[4]),
                        Layers.linear("fc", 6), act.get())
                .addGroup("head", Layers.linear("out", 2)).optSeed(3).build()) {
            m.group("base").freeze();
            return ActivationCache.keyOf(m, DATA, m.frozenPrefixLength(), Precision.FLOAT32, 1);
        }
    }

    @Test
    void theActivationAndTheAffineConstantsArePartOfTheKey() {
        String relu = key(() -> Layers.relu("act"), 1);
        assertEquals(relu, key(() -> Layers.relu("act"), 1), "the same prefix, the same key");
        assertNotEquals(relu, key(() -> Layers.gelu("act"), 1), "same weights and shapes, another activation");
        assertNotEquals(relu, key(() -> Layers.relu("act"), 2), "other standardization constants");
    }
}
