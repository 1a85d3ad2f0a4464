/**
 * The training loop: {@link dev.frost.train.Trainer} with epochs, seeded shuffling, learning-rate schedules,
 * {@link dev.frost.train.Callback}s at step and epoch boundaries (where freeze state may change), metrics and the
 * compute accounting of what freezing saved.
 */
package dev.frost.train;
