/** Text input: the WordPiece tokenizer of BERT-style models and encoding of labelled texts into datasets. */
package dev.frost.text;
