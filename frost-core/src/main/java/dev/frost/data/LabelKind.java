package dev.frost.data;

/** What a dataset's labels are; decides the default loss and metrics and the label tensor the trainer builds. */
public enum LabelKind {
    /** One class id per example ({@code labelWidth} = number of classes); the batch's labels are int64 {@code (n)}. */
    CLASS,
    /** A multi-hot vector of 0/1 per example ({@code labelWidth} = labels); float32 {@code (n, width)}. */
    MULTI_LABEL,
    /** Float targets per example ({@code labelWidth} = targets); float32 {@code (n, width)}. */
    REGRESSION
}
