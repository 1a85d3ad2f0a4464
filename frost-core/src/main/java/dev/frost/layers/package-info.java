/**
 * Named layers. A {@link dev.frost.layers.Layer} wraps one DJL block or is a composite of named sub-layers run by a
 * {@link dev.frost.layers.Wiring}; it carries the Keras-style {@code trainable} flag (per sub-layer and per
 * parameter), its per-example shapes and FLOPs. {@link dev.frost.layers.Layers} creates the standard ones, wraps any
 * DJL block ({@code custom}) and builds composites ({@code composite}, {@code sequential}, {@code residual}). Each
 * layer is usable on its own: {@code Layers.linear("fc", 10).initialize(manager, new Shape(784))}.
 */
package dev.frost.layers;
