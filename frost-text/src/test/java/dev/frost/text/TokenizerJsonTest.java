package dev.frost.text;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tokenizer.json files that are damaged or hostile fail in one line naming the file. */
class TokenizerJsonTest {
    static String json(String vocab, String extra) {
        return "{\"normalizer\":{\"lowercase\":true},\"model\":{\"type\":\"WordPiece\"" + extra + ",\"vocab\":{"
                + vocab + "}}}";
    }

    static final String VOCAB = "\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2,\"hello\":3";

    static WordPieceTokenizer read(String s) {
        return WordPieceTokenizer.fromJson(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), "tok.json");
    }

    static String refused(String s) {
        FrostException e = assertThrows(FrostException.class, () -> read(s));
        assertTrue(e.getMessage().contains("tok.json") && e.getMessage().length() < 300
                && !e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void validSmallTokenizerEncodes() {
        assertArrayEquals(new int[] {1, 3, 0, 2}, read(json(VOCAB, "")).encode("Hello world", 8));
    }

    @Test
    void idsOutsideTheVocabularyDuplicatesAndBadJsonAreRefused() {
        assertTrue(refused(json(VOCAB + ",\"x\":-1", "")).contains("has id -1"));
        assertTrue(refused(json(VOCAB + ",\"x\":30522", "")).contains("not an integer in 0..4"));
        assertTrue(refused(json(VOCAB + ",\"x\":1.5", "")).contains("has id 1.5"));
        assertTrue(refused(json(VOCAB + ",\"x\":3", "")).contains("which another token already has"));
        assertTrue(refused(json(VOCAB + ",\"hello\":4", "")).contains("Duplicate field 'hello'"));
        assertTrue(refused(json("\"[UNK]\":0,\"[SEP]\":1", "")).contains("lacks '[CLS]'"));
        assertTrue(refused(json(VOCAB, ",\"max_input_chars_per_word\":-1")).contains("max_input_chars_per_word"));
        assertTrue(refused(json(VOCAB, ",\"continuing_subword_prefix\":5")).contains("not a string"));
        assertTrue(refused(json(VOCAB, "").replace("WordPiece", "BPE")).contains("model type 'BPE'"));
        assertTrue(refused("{\"model\": [").contains("not valid JSON"));
        assertTrue(refused("[1]").contains("not a JSON object"));
        assertTrue(refused("").contains("not a JSON object"));
    }

    @Test
    void whatBertDoesNotDoIsRefusedAndANullNormalizerKeepsTheCase() {
        String cased = "\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2,\"hello\":3,\"Hello\":4";
        assertArrayEquals(new int[] {1, 4, 2}, read(json(cased, "").replace("{\"lowercase\":true}", "null"))
                .encode("Hello", 8));
        assertArrayEquals(new int[] {1, 3, 2}, read(json(cased, "")).encode("Hello", 8));
        assertTrue(refused(json(VOCAB, "").replace("{\"normalizer\"", "{\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},"
                + "\"normalizer\"")).contains("pre_tokenizer 'WhitespaceSplit' is not supported"));
        assertTrue(refused(json(VOCAB, "").replace("{\"lowercase\":true}", "{\"type\":\"NFC\"}"))
                .contains("normalizer 'NFC' is not supported"));
        assertTrue(refused(json(VOCAB, "").replace("{\"normalizer\"", "{\"post_processor\":{\"type\":\"RobertaProcessing\"},"
                + "\"normalizer\"")).contains("post_processor"));
    }
}
