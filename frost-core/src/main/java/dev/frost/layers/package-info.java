/**
 * Named layers wrapping DJL blocks. A {@link dev.frost.layers.Layer} carries the Keras-style {@code trainable} flag,
 * its per-example shapes and FLOPs; {@link dev.frost.layers.Layers} creates the standard ones. Each layer is usable on
 * its own: {@code Layers.linear("fc", 10).initialize(manager, new Shape(784))}.
 */
package dev.frost.layers;
