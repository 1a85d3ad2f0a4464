/**
 * BERT-style encoder layers as Frost composites with Hugging Face's module layout and tensor names. Sequences
 * travel between layers as {@code (batch, S, dim)}; the attention mask and token types are side inputs of the
 * batch, so the frozen-prefix runner and the activation cache handle them like any other activation.
 */
package dev.frost.text.bert;
