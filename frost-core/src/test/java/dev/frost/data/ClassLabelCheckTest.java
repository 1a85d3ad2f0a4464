package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's dataset with class labels outside 0..classes-1 (1-based ids, NaN, 2.5) is refused naming the example. */
class ClassLabelCheckTest {
    /** Four examples of two features; example 2's label is {@code bad}, the others are valid ids of 3 classes. */
    private static Dataset withLabel(float bad) {
        return new Dataset() {
            public String name() {
                return "mine";
            }

            public int size() {
                return 4;
            }

            public Shape exampleShape() {
                return new Shape(2);
            }

            public LabelKind labelKind() {
                return LabelKind.CLASS;
            }

            public int labelWidth() {
                return 3;
            }

            public long fingerprint() {
                return 1;
            }

            public void readFeatures(int index, float[] dst, int offset) {
                dst[offset] = index;
                dst[offset + 1] = -index;
            }

            public void readLabel(int index, float[] dst, int offset) {
                dst[offset] = index == 2 ? bad : index % 3;
            }
        };
    }

    @Test
    void classIdsOutOfRangeOrNotWholeAreNamed() {
        int[] all = IntStream.range(0, 4).toArray();
        for (float bad : new float[] {3f, -1f, Float.NaN, 2.5f}) {
            FrostException e = assertThrows(FrostException.class, () -> HostBatch.read(withLabel(bad), all, null, 0));
            assertTrue(e.getMessage().contains("dataset 'mine', example 2: class label " + bad), e.getMessage());
        }
        assertEquals(4, HostBatch.read(withLabel(2f), all, null, 0).size());
    }
}
