/**
 * Frost: training with layer freezing on DJL and libtorch.
 *
 * <p>Layers of the API, from the top: {@link dev.frost.train.Trainer} (one {@code fit} call, callbacks),
 * {@link dev.frost.model.FrostModel} (layer groups with {@code freeze}/{@code unfreeze}/{@code freezeTo}), the four
 * freezing switches under {@code dev.frost.freeze}, and the engine glue in {@code dev.frost.engine}.
 */
package dev.frost;
