package dev.frost.train;

/** Mean loss and accuracy of a model on a dataset. */
public record Evaluation(double loss, double accuracy, long examples) {}
