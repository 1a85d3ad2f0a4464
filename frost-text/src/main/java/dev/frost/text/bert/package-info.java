/**
 * BERT-style encoder blocks. Sequences travel between layers as one tensor {@code (batch, S, D + 1)}: the hidden
 * states with the attention mask as the last channel, so that the sequential model, the frozen-prefix runner and the
 * activation cache handle them like any other activation.
 */
package dev.frost.text.bert;
