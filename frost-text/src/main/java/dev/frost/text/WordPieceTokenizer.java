package dev.frost.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.Untrusted;

import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * BERT's uncased WordPiece tokenizer, configured from a Hugging Face {@code tokenizer.json}: BertNormalizer (clean
 * text, CJK spacing, lower case, accents stripped), BertPreTokenizer (whitespace and punctuation), greedy
 * longest-match WordPiece with the {@code ##} prefix, then {@code [CLS] ... [SEP]}.
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final int unk;
    private final int cls;
    private final int sep;
    private final String prefix;
    private final int maxCharsPerWord;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The longest word limit accepted from a tokenizer.json (Hugging Face uses 100). */
    private static final int MAX_CHARS_PER_WORD = 1 << 20;

    private WordPieceTokenizer(Map<String, Integer> vocab, boolean lowercase, boolean stripAccents, String prefix,
                               int maxCharsPerWord, String unkToken, String what) {
        this.vocab = vocab;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.prefix = prefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.unk = id(unkToken, what);
        this.cls = id("[CLS]", what);
        this.sep = id("[SEP]", what);
    }

    private int id(String token, String what) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new FrostException(what + ": the tokenizer vocabulary lacks " + Untrusted.quote(token));
        }
        return i;
    }

    /**
     * Reads a Hugging Face tokenizer.json whose model is WordPiece; {@code what} names it in errors. The vocabulary
     * must map distinct tokens to distinct ids {@code 0..size-1}, so that every id this tokenizer produces indexes an
     * embedding table of {@link #vocabularySize()} rows.
     */
    /** Reads a Hugging Face {@code tokenizer.json} file. */
    public static WordPieceTokenizer fromFile(java.nio.file.Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new FrostException("tokenizer file " + file + " does not exist");
        }
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return fromJson(in, file.toString());
        } catch (java.io.IOException e) {
            throw new FrostException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code root[key]} is absent, null, or an object whose {@code type} is one of {@code types} ({@code a|b}). */
    private static void requireType(JsonNode root, String key, String types, String what) {
        JsonNode n = root.path(key);
        if (n.isMissingNode() || n.isNull()) {
            return;
        }
        String type = n.path("type").asText();
        if (!type.isEmpty() && !java.util.Arrays.asList(types.split("\\|")).contains(type)) {
            throw new FrostException(what + ": " + key + " " + Untrusted.quote(type) + " is not supported (Frost"
                    + " tokenizes as BERT: " + key + " " + types.replace("|", " or ") + ")");
        }
    }

    public static WordPieceTokenizer fromJson(InputStream in, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new FrostException(what + " is not valid JSON: " + Untrusted.printable(
                    String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""), 120), e);
        } catch (IOException e) {
            throw new FrostException("cannot read " + what + ": " + Untrusted.reason(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new FrostException(what + " is not a tokenizer.json: its top level is not a JSON object");
        }
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new FrostException(what + " is not a WordPiece tokenizer (model type "
                    + Untrusted.quote(model.path("type").asText()) + ")");
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw new FrostException(what + " has no vocabulary: model.vocab is not a non-empty JSON object");
        }
        int size = vocabNode.size();
        boolean[] taken = new boolean[size];
        Map<String, Integer> vocab = new HashMap<>(size * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= size) {
                throw new FrostException(what + ": token " + Untrusted.quote(e.getKey()) + " has id "
                        + Untrusted.printable(v.toString(), 40) + ", not an integer in 0.." + (size - 1)
                        + " (the vocabulary has " + size + " tokens)");
            }
            int id = v.asInt();
            if (taken[id]) {
                throw new FrostException(what + ": token " + Untrusted.quote(e.getKey()) + " has id " + id
                        + ", which another token already has");
            }
            taken[id] = true;
            vocab.put(e.getKey(), id);
        }
        // Frost tokenizes as BERT does: what a tokenizer.json asks beyond that is refused, not ignored
        requireType(root, "normalizer", "BertNormalizer", what);
        requireType(root, "pre_tokenizer", "BertPreTokenizer", what);
        requireType(root, "post_processor", "TemplateProcessing|BertProcessing", what);
        JsonNode norm = root.path("normalizer");
        boolean normalize = !norm.isNull(); // "normalizer": null means the text goes in as it is
        boolean lower = normalize && norm.path("lowercase").asBoolean(true);
        JsonNode strip = norm.path("strip_accents");
        boolean stripAccents = normalize && (strip.isNull() || strip.isMissingNode() ? lower : strip.asBoolean());
        String prefix = text(model, "continuing_subword_prefix", "##", what);
        String unkToken = text(model, "unk_token", "[UNK]", what);
        JsonNode maxChars = model.path("max_input_chars_per_word");
        int maxCharsPerWord = 100;
        if (!maxChars.isMissingNode() && !maxChars.isNull()) {
            if (!maxChars.isIntegralNumber() || !maxChars.canConvertToInt() || maxChars.asInt() <= 0
                    || maxChars.asInt() > MAX_CHARS_PER_WORD) {
                throw new FrostException(what + ": model.max_input_chars_per_word is "
                        + Untrusted.printable(maxChars.toString(), 40) + ", not an integer in 1.."
                        + MAX_CHARS_PER_WORD);
            }
            maxCharsPerWord = maxChars.asInt();
        }
        return new WordPieceTokenizer(vocab, lower, stripAccents, prefix, maxCharsPerWord, unkToken, what);
    }

    private static String text(JsonNode model, String field, String fallback, String what) {
        JsonNode n = model.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw new FrostException(what + ": model." + field + " is " + Untrusted.printable(n.toString(), 40)
                    + ", not a string");
        }
        return n.asText();
    }

    public int vocabularySize() {
        return vocab.size();
    }

    /** Token ids {@code [CLS] pieces [SEP]}, truncated to {@code maxLength} (keeping the final [SEP]). */
    public int[] encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new FrostException("maxLength must be at least 2 (room for [CLS] and [SEP]), got " + maxLength);
        }
        List<Integer> pieces = new ArrayList<>();
        for (String word : preTokenize(normalize(text))) {
            wordPiece(word, pieces);
            if (pieces.size() >= maxLength - 2) {
                break;
            }
        }
        int n = Math.min(pieces.size(), maxLength - 2);
        int[] ids = new int[n + 2];
        ids[0] = cls;
        for (int i = 0; i < n; i++) {
            ids[i + 1] = pieces.get(i);
        }
        ids[n + 1] = sep;
        return ids;
    }

    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString();
        if (lowercase) {
            s = s.toLowerCase(java.util.Locale.ROOT);
        }
        if (stripAccents) {
            s = Normalizer.normalize(s, Normalizer.Form.NFD).codePoints()
                    .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        }
        return s;
    }

    static List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (isWhitespace(cp)) {
                flush(cur, out);
            } else if (isPunctuation(cp)) {
                flush(cur, out);
                out.add(new String(Character.toChars(cp)));
            } else {
                cur.appendCodePoint(cp);
            }
        });
        flush(cur, out);
        return out;
    }

    private static void flush(StringBuilder cur, List<String> out) {
        if (cur.length() > 0) {
            out.add(cur.toString());
            cur.setLength(0);
        }
    }

    private void wordPiece(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > maxCharsPerWord) {
            out.add(unk);
            return;
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String sub = (start > 0 ? prefix : "") + word.substring(start, end);
                Integer id = vocab.get(sub);
                if (id != null) {
                    found = id;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE
                || t == Character.SURROGATE || t == Character.UNASSIGNED;
    }

    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
