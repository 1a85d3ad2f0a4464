package dev.frost.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;

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

    private WordPieceTokenizer(Map<String, Integer> vocab, boolean lowercase, boolean stripAccents, String prefix,
                               int maxCharsPerWord, String unkToken) {
        this.vocab = vocab;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.prefix = prefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.unk = id(unkToken);
        this.cls = id("[CLS]");
        this.sep = id("[SEP]");
    }

    private int id(String token) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new FrostException("tokenizer vocabulary lacks " + token);
        }
        return i;
    }

    /** Reads a Hugging Face tokenizer.json whose model is WordPiece; {@code what} names it in errors. */
    public static WordPieceTokenizer fromJson(InputStream in, String what) {
        try {
            JsonNode root = new ObjectMapper().readTree(in);
            JsonNode model = root.path("model");
            if (!"WordPiece".equals(model.path("type").asText())) {
                throw new FrostException(what + " is not a WordPiece tokenizer (model type '"
                        + model.path("type").asText() + "')");
            }
            Map<String, Integer> vocab = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), e.getValue().asInt());
            }
            JsonNode norm = root.path("normalizer");
            boolean lower = norm.path("lowercase").asBoolean(true);
            JsonNode strip = norm.path("strip_accents");
            boolean stripAccents = strip.isNull() || strip.isMissingNode() ? lower : strip.asBoolean();
            return new WordPieceTokenizer(vocab, lower, stripAccents, model.path("continuing_subword_prefix")
                    .asText("##"), model.path("max_input_chars_per_word").asInt(100),
                    model.path("unk_token").asText("[UNK]"));
        } catch (IOException e) {
            throw new FrostException(what + " is not readable tokenizer JSON: " + e.getMessage(), e);
        }
    }

    public int vocabularySize() {
        return vocab.size();
    }

    /** Token ids {@code [CLS] pieces [SEP]}, truncated to {@code maxLength} (keeping the final [SEP]). */
    public int[] encode(String text, int maxLength) {
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
