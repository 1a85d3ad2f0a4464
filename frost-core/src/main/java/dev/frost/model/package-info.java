/**
 * The engine-facing model: an ordered list of {@link dev.frost.model.LayerGroup}s, each an ordered list of named
 * layers, with fastai's {@code freeze()/unfreeze()/freezeTo(n)} on groups and Keras's {@code setTrainable} on layers.
 */
package dev.frost.model;
