package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/** Autograd recording on and off, and gradient buffers: the parts of libtorch the freezing switches need. */
public final class Autograd {
    /**
     * DJL allows one gradient collector per process and libtorch's default generator (dropout) is process-wide, so
     * recorded steps of different trainers in one JVM take turns: each step reseeds and records under this lock,
     * which keeps every trainer deterministic and lets folds run in parallel threads.
     */
    private static final ReentrantLock STEP = new ReentrantLock();

    private Autograd() {}

    /**
     * Runs one recorded step (seeding, forward, backward, update), or anything else that seeds and draws from
     * libtorch's generator (initializing a model), while no other thread in this JVM does.
     */
    public static <T> T exclusiveStep(Supplier<T> step) {
        STEP.lock();
        try {
            return step.get();
        } finally {
            STEP.unlock();
        }
    }

    /** Opens a recording scope: operations inside it build a backward graph. */
    public static GradientCollector record() {
        return FrostEngine.get().newGradientCollector();
    }

    /** Whether operations executed now would be recorded for backward. */
    public static boolean isRecording() {
        FrostEngine.get();
        return JniUtils.isGradMode();
    }

    /** Runs {@code body} with recording off, restoring the previous mode afterwards. */
    public static <T> T withoutRecording(Supplier<T> body) {
        FrostEngine.get();
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return body.get();
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    /** Whether this array is part of a recorded graph (it requires a gradient). */
    public static boolean requiresGrad(NDArray array) {
        return JniUtils.requiresGrad((PtNDArray) array);
    }

    /**
     * Whether libtorch has allocated a gradient buffer for this array (a backward pass reached it while it required
     * a gradient). Asking does not allocate one.
     */
    public static boolean hasGradientBuffer(NDArray array) {
        PtNDArray g = JniUtils.getGradient((PtNDArray) array);
        if (g == null) {
            return false;
        }
        g.close();
        return true;
    }

    /** Zeroes the accumulated gradient of a parameter array in place, without allocating. */
    public static void zeroGrad(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
