package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import dev.frost.train.callbacks.CollectBeforeBackward;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Gradients of one expression, optionally with freed Java memory scribbled over between forward and backward. */
public final class GcPoison {
    private GcPoison() {}

    /** The gradients of {@code sum(f(inputs))} with respect to each input (marked as requiring a gradient). */
    public static List<float[]> gradients(NDList inputs, Function<NDList, NDArray> f, boolean poison) {
        inputs.forEach(x -> x.setRequiresGradient(true));
        try (GradientCollector gc = Autograd.record()) {
            NDArray out = f.apply(inputs).sum();
            List<ByteBuffer> held = poison ? CollectBeforeBackward.poisonFreedMemory() : List.of();
            gc.backward(out);
            held.size();
        }
        List<float[]> grads = new ArrayList<>();
        inputs.forEach(x -> grads.add(x.getGradient().toFloatArray()));
        return grads;
    }
}
