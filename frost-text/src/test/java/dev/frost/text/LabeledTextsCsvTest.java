package dev.frost.text;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Texts and labels from CSV: RFC 4180 quoting, extra columns ignored, one-line errors naming file and row. */
class LabeledTextsCsvTest {
    @Test
    void quotedFieldsKeepDelimitersQuotesAndLineBreaks(@TempDir Path dir) throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String csv = "id,message,category\r\n"
                + "1,\"win money, now\",spam\r\n"
                + "\n"
                + "2,\"line one\nline two\",ham\n"
                + "3,\"she said \"\"hi\"\"\",ham\n"
                + "4,plain text,spam\n";
        Path f = dir.resolve("t.csv");
        Files.write(f, concat(bom, csv.getBytes(StandardCharsets.UTF_8)));
        LabeledTexts t = LabeledTexts.read(f, "message", "category", ',');
        assertEquals(List.of("win money, now", "line one\nline two", "she said \"hi\"", "plain text"), t.texts());
        assertEquals(List.of("spam", "ham", "ham", "spam"), t.labels());
        assertEquals(List.of("ham", "spam"), t.classNames());

        Path tsv = Files.writeString(dir.resolve("t.tsv.csv"), "text\tlabel\n\"a\tb\"\tx\n");
        assertEquals(List.of("a\tb"), LabeledTexts.read(tsv, "text", "label", '\t').texts());
    }

    @Test
    void errorsNameTheFileTheColumnAndTheRow(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("t.csv"), "message,category\nhello,ham\n");
        FrostException e = assertThrows(FrostException.class, () -> LabeledTexts.read(f, "text", "category", ','));
        assertEquals(f + " has no column 'text' (its header: message, category)", e.getMessage());
        Path g = Files.writeString(dir.resolve("g.csv"), "text,label\nhello,ham\nbye,\n");
        e = assertThrows(FrostException.class, () -> LabeledTexts.read(g, "text", "label", ','));
        assertEquals(g + " row 2 has no label in column 'label'", e.getMessage());
        Path h = Files.writeString(dir.resolve("h.csv"), "text,label\n\"never closed,ham\n");
        e = assertThrows(FrostException.class, () -> LabeledTexts.read(h, "text", "label", ','));
        assertTrue(e.getMessage().startsWith(h + " row 1 is not valid CSV: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
