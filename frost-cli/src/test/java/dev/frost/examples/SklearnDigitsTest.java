package dev.frost.examples;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scikit-learn's 8x8 digits: enlarged to 16x16 at the centre of 28x28; bad lines refused with their number. */
class SklearnDigitsTest {
    private static String line(int fill, int label) {
        return String.join(",", Collections.nCopies(64, fill + ".0")) + "," + label + ".0";
    }

    @Test
    void readsEnlargesAndCentres(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("digits.csv");
        Files.writeString(f, line(16, 3) + "\n" + line(8, 7) + "\n");
        ArrayDataset d = SklearnDigits.read(f);
        assertEquals(2, d.size());
        assertEquals(3, d.label(0));
        assertEquals(7, d.label(1));
        float[] full = d.example(0);
        float[] half = d.example(1);
        int inside = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean in = y >= 6 && y < 22 && x >= 6 && x < 22;
                assertEquals(in ? 1f : 0f, full[y * 28 + x], 1e-6, "pixel " + x + "," + y);
                assertEquals(in ? 0.5f : 0f, half[y * 28 + x], 1e-6);
                inside += in ? 1 : 0;
            }
        }
        assertEquals(256, inside);
    }

    @Test
    void refusesBadLinesNamingThem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("digits.csv");
        Files.writeString(f, line(1, 1) + "\n" + line(17, 2) + "\n");
        FrostException range = assertThrows(FrostException.class, () -> SklearnDigits.read(f));
        assertTrue(range.getMessage().contains("line 2") && range.getMessage().contains("0..16"), range.getMessage());
        Files.writeString(f, "1,2,3\n");
        FrostException width = assertThrows(FrostException.class, () -> SklearnDigits.read(f));
        assertTrue(width.getMessage().contains("3 values"), width.getMessage());
        Files.writeString(f, line(1, 1).replace("1.0,", "x,") + "\n");
        assertTrue(assertThrows(FrostException.class, () -> SklearnDigits.read(f)).getMessage().contains("'x'"));
        FrostException missing = assertThrows(FrostException.class, () -> SklearnDigits.read(dir.resolve("no.csv")));
        assertTrue(missing.getMessage().contains("fetch-data.sh --sklearn"), missing.getMessage());
    }
}
