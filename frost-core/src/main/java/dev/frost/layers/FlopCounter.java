package dev.frost.layers;

/**
 * Forward FLOPs of one example through a layer (a multiply and an add count as two), for layers whose cost Frost
 * cannot derive itself. Called once, when the layer is initialized, so shapes and parameters are known.
 */
@FunctionalInterface
public interface FlopCounter {
    long forwardFlops(Layer layer);
}
