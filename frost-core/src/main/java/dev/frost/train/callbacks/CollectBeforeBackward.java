package dev.frost.train.callbacks;

import dev.frost.train.Callback;
import dev.frost.train.TrainingContext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A check for your own layers and losses: between every loss and its backward it collects garbage and hands the
 * freed memory out again filled with NaN. Training with it must give bit-identical weights to training without; if
 * not, something in the graph borrows Java memory that autograd still needs (DJL's {@code x.mul(2f)}: use
 * {@link dev.frost.engine.Scalars}). Slow (a full collection per step): for tests, not for real runs.
 */
public final class CollectBeforeBackward implements Callback {
    private List<ByteBuffer> held = List.of();

    /** Collects, then allocates small NaN-filled direct buffers; keep the result until backward is done. */
    public static List<ByteBuffer> poisonFreedMemory() {
        System.gc();
        try {
            Thread.sleep(5); // the cleaner frees the collected buffers on its own thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 4)).order(ByteOrder.nativeOrder());
            while (b.remaining() >= 4) {
                b.putFloat(Float.NaN);
            }
            out.add(b);
        }
        return out;
    }

    @Override
    public void afterLoss(TrainingContext ctx) {
        held = poisonFreedMemory();
    }

    @Override
    public void afterBackward(TrainingContext ctx) {
        held = List.of();
    }
}
