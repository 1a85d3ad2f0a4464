/**
 * Metrics accumulated over a pass ({@link dev.frost.metric.Metric}): computed per epoch in training and evaluation
 * and recorded in each epoch's record. {@link dev.frost.metric.Metrics} has the standard ones.
 */
package dev.frost.metric;
