/**
 * Training objectives as objects ({@link dev.frost.loss.Loss}); {@link dev.frost.loss.Losses} has the standard ones
 * and the default for each label kind. Bring your own by implementing the one-method interface.
 */
package dev.frost.loss;
