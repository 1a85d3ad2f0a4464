package dev.frost.text;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.text.bert.Bert;

import java.util.List;

/**
 * Labelled texts to a dataset of token ids {@code (seqLen)} (zero-padded) with the side inputs a BERT model reads:
 * {@code attention_mask} (1 for tokens) and {@code token_type_ids} (0: one segment).
 */
public final class TextDatasets {
    private TextDatasets() {}

    public static ArrayDataset encode(String name, List<String> texts, int[] labels, int classes,
                                      WordPieceTokenizer tokenizer, int seqLen) {
        float[] ids = new float[texts.size() * seqLen];
        float[] mask = new float[ids.length];
        for (int i = 0; i < texts.size(); i++) {
            int[] tokens = tokenizer.encode(texts.get(i), seqLen);
            for (int j = 0; j < tokens.length; j++) {
                ids[i * seqLen + j] = tokens[j];
                mask[i * seqLen + j] = 1f;
            }
        }
        Shape shape = new Shape(seqLen);
        return new ArrayDataset(name, ids, labels, shape, classes)
                .withSideInput(Bert.ATTENTION_MASK, shape, mask)
                .withSideInput(Bert.TOKEN_TYPE_IDS, shape, new float[ids.length]);
    }
}
