package dev.frost.examples;

import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretrained Fashion-MNIST base shipped in the jar still loads with the current checkpoint reader. */
class EmbeddedBaseTest {
    @Test
    void embeddedBaseLoadsItsWeightsAndFreezeState() {
        try (FrostModel fresh = Models.cnn(10, 1); FrostModel loaded = Models.cnn(10, 1)) {
            loaded.freezeTo(2);
            DigitsTransfer.loadBase(null, loaded);
            assertTrue(loaded.frozenPaths().isEmpty(), "the base was saved with nothing frozen");
            Map<String, float[]> before = Snapshots.of(fresh);
            assertEquals(before.keySet(), Snapshots.of(loaded).keySet());
            assertEquals(before.keySet(), Snapshots.changed(before, Snapshots.of(loaded)),
                    "every tensor comes from the checkpoint, none from the seeded initialization");
        }
    }
}
