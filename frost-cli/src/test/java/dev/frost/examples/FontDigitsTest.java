package dev.frost.examples;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Font-rendered digits: reproducible, framed like the demo's digits, and the fonts that cannot draw digits skipped. */
class FontDigitsTest {
    private static Path fonts(Path dir) throws IOException {
        for (String f : new String[] {"fonts-humor-sans/Humor-Sans.ttf", "fonts-kristi/Kristi.ttf"}) {
            Path to = dir.resolve(f);
            Files.createDirectories(to.getParent());
            try (InputStream in = FontDigitsTest.class.getResourceAsStream("/fonts/" + f)) {
                Files.copy(in, to);
            }
        }
        Path junk = dir.resolve("fonts-junk/broken.ttf");
        Files.createDirectories(junk.getParent());
        Files.write(junk, new byte[] {0, 1, 0, 0, 42, 42, 42});
        return dir;
    }

    @Test
    void rendersReproducibleBalancedDigitsFramedLikeTheDemosAndSkipsUnreadableFonts(@TempDir Path dir)
            throws IOException {
        FontDigits.FontSet set = FontDigits.load(fonts(dir));
        assertEquals(3, set.files());
        assertEquals(1, set.skipped(), "the broken file is skipped");
        assertEquals(2, set.packages().size());
        ArrayDataset a = FontDigits.render(set, 60, 7, "a");
        ArrayDataset b = FontDigits.render(set, 60, 7, "b");
        ArrayDataset c = FontDigits.render(set, 60, 8, "c");
        assertEquals(60, a.size());
        boolean differs = false;
        for (int i = 0; i < a.size(); i++) {
            assertEquals(i % 10, a.label(i));
            assertArrayEquals(a.example(i), b.example(i), "image " + i + " depends on the seed and index only");
            differs |= !Arrays.equals(a.example(i), c.example(i));
            float[] img = a.example(i);
            int top = 28;
            int bottom = -1;
            double ink = 0;
            double rowMass = 0;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    float v = img[y * 28 + x];
                    assertTrue(v >= 0 && v <= 1.0001f, "pixel " + v);
                    if (v > 0.12f) {
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                    }
                    ink += v;
                    rowMass += v * y;
                }
            }
            int height = bottom - top + 1;
            assertTrue(height >= 9 && height <= 21, "image " + i + " is " + height + " px tall");
            double centre = rowMass / ink;
            assertTrue(centre > 9 && centre < 19, "image " + i + " centred at row " + centre);
        }
        assertTrue(differs, "another seed renders other images");
    }

    @Test
    void aMissingOrEmptyFolderNamesTheFetchCommand(@TempDir Path dir) throws IOException {
        FrostException missing = assertThrows(FrostException.class, () -> FontDigits.load(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("scripts/fetch-data.sh --fonts"), missing.getMessage());
        Files.writeString(dir.resolve("readme.txt"), "no fonts here");
        FrostException empty = assertThrows(FrostException.class, () -> FontDigits.load(dir));
        assertTrue(empty.getMessage().contains("no usable font"), empty.getMessage());
        assertThrows(FrostException.class, () -> FontDigits.render(FontDigits.load(fonts(dir)), 0, 1, "x"));
        assertFalse(empty.getMessage().contains("\n"));
    }
}
