package dev.frost.fuzz;

import dev.frost.text.WordPieceTokenizer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link WordPieceTokenizer#fromJson} on a small Hugging Face tokenizer.json written here: structure-aware edits
 * (ids negative, too large, fractional, duplicate, strings; duplicate keys; special tokens missing; other model types;
 * odd limits and prefixes; deep nesting; a root that is not an object; broken and non-UTF-8 JSON), then byte mutations.
 * A tokenizer that loads must encode text into ids below its vocabulary size.
 */
final class TokenizerTarget implements Target {
    static final String FILE = "tokenizer.json";
    private static final String[] TOKENS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "un",
            "##aff", "##able", ",", "!", "你", "好"};
    private static final String[] TEXTS = {"Hello, unaffable worlds! 你好", "", "  \t\n", "ÀÉÎ hello\u0000\u200b",
            "x".repeat(300) + " worlds"};

    @Override
    public void setUp(Path work) {}

    @Override
    public String[] names() {
        return new String[] {FILE};
    }

    @Override
    public void run(byte[] input) {
        WordPieceTokenizer t = WordPieceTokenizer.fromJson(new ByteArrayInputStream(input), FILE);
        for (String text : TEXTS) {
            for (int id : t.encode(text, 16)) {
                if (id < 0 || id >= t.vocabularySize()) {
                    throw new AssertionError("id " + id + " outside the vocabulary of " + t.vocabularySize());
                }
            }
        }
    }

    @Override
    public byte[] input(SplittableRandom r) {
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < TOKENS.length; i++) {
            vocab.add(SafeTensorsTarget.json(TOKENS[i]) + ":" + i);
        }
        String type = "\"WordPiece\"";
        String unk = "\"[UNK]\"";
        String prefix = "\"##\"";
        String maxChars = "100";
        String normalizer = "{\"type\":\"BertNormalizer\",\"lowercase\":true,\"strip_accents\":null}";
        String extra = "";
        int rootDamage = -1;
        int edits = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(3);
        for (int k = 0; k < edits; k++) {
            int i = r.nextInt(vocab.size());
            switch (r.nextInt(12)) {
                case 0 -> vocab.set(i, SafeTensorsTarget.json(TOKENS[i % TOKENS.length]) + ":" + new String[] {"-1",
                        "14", "2147483648", "99999999999999999999", "1.5", "\"3\"", "null", "[]", "1e2", "0"}
                        [r.nextInt(10)]);
                case 1 -> vocab.add(vocab.get(i)); // duplicate key
                case 2 -> vocab.remove(r.nextInt(4)); // a special token missing
                case 3 -> type = new String[] {"\"BPE\"", "\"\"", "5", "null", "\"WordPiece\\n\""}[r.nextInt(5)];
                case 4 -> maxChars = new String[] {"0", "-5", "1", "1e9", "\"x\"", "2147483648", "null", "3"}
                        [r.nextInt(8)];
                case 5 -> prefix = new String[] {"\"\"", "5", "null", "\"####\"", "[]"}[r.nextInt(5)];
                case 6 -> unk = new String[] {"\"[NOPE]\"", "7", "null", "\"\""}[r.nextInt(4)];
                case 7 -> normalizer = new String[] {"null", "5", "{\"lowercase\":false}", "{\"lowercase\":\"x\"}",
                        "{\"strip_accents\":true,\"lowercase\":false}"}[r.nextInt(5)];
                case 8 -> extra = ",\"deep\":" + "[".repeat(200 + r.nextInt(2000)) + "]".repeat(r.nextInt(3) == 0
                        ? 5 : 0);
                case 9 -> extra = ",\"deep\":" + "[".repeat(500) + "]".repeat(500);
                case 10 -> vocab.add(SafeTensorsTarget.json("tok" + vocab.size()) + ":" + vocab.size()); // valid
                default -> rootDamage = r.nextInt(6);
            }
        }
        String json = "{\"version\":\"1.0\",\"normalizer\":" + normalizer + ",\"model\":{\"type\":" + type
                + ",\"unk_token\":" + unk + ",\"continuing_subword_prefix\":" + prefix
                + ",\"max_input_chars_per_word\":" + maxChars + ",\"vocab\":{" + String.join(",", vocab) + "}}"
                + extra + "}";
        switch (rootDamage) {
            case 0 -> json = "[" + json + "]";
            case 1 -> json = json.substring(0, r.nextInt(json.length()));
            case 2 -> json = json + "}";
            case 3 -> json = "";
            case 4 -> json = "\uFEFF" + json;
            case 5 -> json = "5";
            default -> { }
        }
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(20) == 0) {
            b = Mutate.cat(b, new byte[] {(byte) 0xC3, 0x28});
        }
        return r.nextInt(4) == 0 ? Mutate.bytes(b, r, 3) : b;
    }
}
