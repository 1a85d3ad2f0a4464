package dev.frost.text;

import dev.frost.text.onnx.MiniLm;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Token ids against the reference Hugging Face tokenizer (Rust, through DJL) on the same tokenizer.json. */
class TokenizerParityTest {
    static final List<String> SENTENCES = List.of(
            "Hello, world! This is Frost.",
            "Café déjà vu — naïve façade; ÉCOLE.",
            "Subject: Re: [SPAM] Get $1,000,000 NOW!!! Click http://example.com/win?id=42",
            "unaffable tokenization of supercalifragilisticexpialidocious words",
            "日本語のテキストと中文 mixed with English",
            "tabs\tand\nnewlines  and   spaces",
            "x".repeat(120) + " long word",
            "e-mail: someone@example.org (not spam)");

    @Test
    void idsMatchTheReferenceTokenizer() throws Exception {
        WordPieceTokenizer frost = MiniLm.tokenizer();
        assertEquals(30522, frost.vocabularySize());
        Path json = Files.createTempFile("tokenizer", ".json");
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.write(json, in.readAllBytes());
        }
        try (HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(json,
                Map.of("padding", "false", "truncation", "true", "maxLength", "64"))) {
            for (String s : SENTENCES) {
                Encoding e = ref.encode(s);
                long[] expected = e.getIds();
                int[] got = frost.encode(s, 64);
                assertArrayEquals(expected, Arrays.stream(got).asLongStream().toArray(), s);
            }
        } finally {
            Files.deleteIfExists(json);
        }
    }

    @Test
    void truncationKeepsClsAndSep() {
        WordPieceTokenizer t = MiniLm.tokenizer();
        int[] ids = t.encode("word ".repeat(100), 16);
        assertEquals(16, ids.length);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[15]);
    }
}
