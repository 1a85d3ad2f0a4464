/**
 * Freezing policies: small classes that decide, at step and epoch boundaries, which groups are frozen and their
 * learning-rate multipliers. Each is a {@link dev.frost.train.Callback}, so it plugs into the loop without
 * subclassing it.
 */
package dev.frost.policy;
