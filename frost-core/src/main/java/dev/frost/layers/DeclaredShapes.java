package dev.frost.layers;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;

/**
 * A user's block may declare one output shape and return another; the model's shapes (the next layer's
 * initialization, the cache's rows, the label check) would all follow the declaration. One forward of zeros, batch 1,
 * inference mode, catches it when the layer is initialized. A block that cannot run on zeros is left to its first
 * batch.
 */
final class DeclaredShapes {
    private DeclaredShapes() {}

    /** {@code shapes}: the block's input shapes with batch 1; {@code declared}: its per-example output shape. */
    static void check(String layer, Block block, NDManager manager, Shape[] shapes, Shape declared) {
        Shape actual;
        try (NDManager tmp = manager.newSubManager()) {
            NDList in = new NDList();
            for (Shape s : shapes) {
                in.add(tmp.zeros(s));
            }
            actual = Autograd.withoutRecording(
                    () -> block.forward(new ParameterStore(tmp, false), in, false).head().getShape().slice(1));
        } catch (RuntimeException e) {
            return;
        }
        if (!actual.equals(declared)) {
            throw new FrostException("layer '" + layer + "': its block's getOutputShapes says " + declared
                    + " per example but its forward returns " + actual + "; fix getOutputShapes");
        }
    }
}
