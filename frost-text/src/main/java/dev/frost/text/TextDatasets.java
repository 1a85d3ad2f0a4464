package dev.frost.text;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;

import java.util.List;

/** Labelled texts to a dataset of {@code (2, seqLen)} examples: token ids (zero-padded) and the attention mask. */
public final class TextDatasets {
    private TextDatasets() {}

    public static ArrayDataset encode(String name, List<String> texts, int[] labels, int classes,
                                      WordPieceTokenizer tokenizer, int seqLen) {
        float[] x = new float[texts.size() * 2 * seqLen];
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tokenizer.encode(texts.get(i), seqLen);
            int base = i * 2 * seqLen;
            for (int j = 0; j < ids.length; j++) {
                x[base + j] = ids[j];
                x[base + seqLen + j] = 1f;
            }
        }
        return new ArrayDataset(name, x, labels, new Shape(2, seqLen), classes);
    }
}
