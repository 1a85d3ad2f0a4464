package dev.frost.examples;

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

class SpamAssassinTest {
    @Test
    void subjectAndBodyAreKeptHtmlIsStripped() {
        String raw = "From: a@b.c\r\nSubject: Cheap   meds!\r\nContent-Type: text/html\r\n\r\n"
                + "<html><style>p{color:red}</style><body><p>Buy&nbsp;now</p>\n<b>50% off</b></body></html>";
        assertEquals("Cheap meds! Buy now 50% off", SpamAssassin.text(raw));
        assertEquals("no headers", SpamAssassin.text("X: y\n\nno headers"));
    }

    @Test
    void foldersGiveLabelsAndMissingDataNamesTheFetchCommand(@TempDir Path dir) throws Exception {
        for (String f : List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")) {
            Files.createDirectories(dir.resolve(f));
            Files.write(dir.resolve(f).resolve("00001.txt"), ("Subject: " + f + "\n\nbody é")
                    .getBytes(StandardCharsets.ISO_8859_1));
            Files.writeString(dir.resolve(f).resolve("00001.json"), "{}");
        }
        List<SpamAssassin.Email> mails = SpamAssassin.load(dir);
        assertEquals(5, mails.size());
        assertEquals(2, mails.stream().filter(m -> m.label() == 1).count());
        assertEquals("spam-2 body é", mails.get(4).text());
        FrostException e = assertThrows(FrostException.class, () -> SpamAssassin.load(dir.resolve("none")));
        assertTrue(e.getMessage().contains("fetch-data.sh --spam"), e.getMessage());
    }
}
