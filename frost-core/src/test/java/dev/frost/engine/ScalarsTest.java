package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Constants in a recorded graph: Frost's survive a garbage collection between forward and backward; DJL's
 * {@code x.mul(3f)} does not (the reason {@link Scalars} exists: if this one ever passes, DJL fixed it).
 */
class ScalarsTest {
    private static final float[] X = {-2f, -0.5f, 0.25f, 3f};

    private static List<float[]> grad(Function<NDArray, NDArray> f, boolean poison) {
        try (NDManager m = FrostEngine.newManager()) {
            return GcPoison.gradients(new NDList(m.create(X, new Shape(4))), in -> f.apply(in.singletonOrThrow()),
                    poison);
        }
    }

    @Test
    void everyConstantOpGivesTheSameGradientAfterACollection() {
        List<Function<NDArray, NDArray>> ops = List.of(x -> Scalars.mul(x, 3), x -> Scalars.div(x, 4),
                x -> Scalars.maximum(x, 0).mul(x), x -> Scalars.minimum(x, 1).mul(x), x -> Scalars.add(x, 2).mul(x),
                x -> Scalars.sub(x, 2).mul(x));
        for (int rep = 0; rep < 5; rep++) {
            for (Function<NDArray, NDArray> op : ops) {
                assertArrayEquals(grad(op, false).get(0), grad(op, true).get(0), "op " + ops.indexOf(op));
            }
        }
        assertArrayEquals(new float[] {3, 3, 3, 3}, grad(x -> Scalars.mul(x, 3), true).get(0));
    }

    @Test
    void djlNumberConstantsReadFreedMemoryInBackward() {
        int wrong = 0;
        for (int rep = 0; rep < 20; rep++) {
            if (grad(x -> x.mul(3f), true).get(0)[0] != 3f) {
                wrong++;
            }
        }
        assertTrue(wrong > 0, "DJL's x.mul(3f) kept its constant alive through a collection in 20 of 20 tries");
    }
}
