package dev.frost.io;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Result rows survive a writer killed mid-append: the cut-off row is ignored, then replaced. */
class JsonLinesTest {
    record Row(String name, double value) {}

    @Test
    void aRowCutOffByAKillIsIgnoredAndTheNextAppendStartsCleanly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rows.jsonl");
        assertEquals(List.of(), JsonLines.read(f, Row.class));
        JsonLines.append(f, new Row("a", 1));
        JsonLines.append(f, new Row("b", 2));
        Files.writeString(f, "{\"name\":\"c\",\"val", java.nio.file.StandardOpenOption.APPEND); // killed mid-write
        assertEquals(List.of(new Row("a", 1), new Row("b", 2)), JsonLines.read(f, Row.class));
        JsonLines.append(f, new Row("c", 3));
        assertEquals(List.of(new Row("a", 1), new Row("b", 2), new Row("c", 3)), JsonLines.read(f, Row.class));
        assertTrue(Files.readString(f).endsWith("}\n"));
        // a complete line that is not a row is still refused, naming the file and line
        Files.writeString(f, "not json\n", java.nio.file.StandardOpenOption.APPEND);
        FrostException e = assertThrows(FrostException.class, () -> JsonLines.read(f, Row.class));
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
    }

    @Test
    void rowsOfOtherSettingsAreRefusedBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rows.jsonl");
        JsonLines.requireSettings(f, java.util.Map.of("epochs", 2, "lr", 1e-4, "seed", 42L));
        JsonLines.append(f, new Row("a", 1));
        // the same, in another order; a long read back from the file is the same number
        JsonLines.requireSettings(f, java.util.Map.of("seed", 42L, "lr", 1e-4, "epochs", 2));
        FrostException e = assertThrows(FrostException.class,
                () -> JsonLines.requireSettings(f, java.util.Map.of("epochs", 4, "lr", 1e-4, "seed", 42L)));
        assertTrue(e.getMessage().contains("epochs 2 there, 4 now") && e.getMessage().contains(f.toString()),
                e.getMessage());
        // a setting the file has and this run leaves out is a difference too
        e = assertThrows(FrostException.class,
                () -> JsonLines.requireSettings(f, java.util.Map.of("lr", 1e-4, "seed", 42L)));
        assertTrue(e.getMessage().contains("epochs 2 there, none now"), e.getMessage());
        assertEquals(List.of(new Row("a", 1)), JsonLines.read(f, Row.class)); // nothing lost
        // settings left by a run that stopped before its first row bind nothing
        Path empty = dir.resolve("empty.jsonl");
        JsonLines.requireSettings(empty, java.util.Map.of("seq_len", 100000));
        JsonLines.requireSettings(empty, java.util.Map.of("seq_len", 128));
        JsonLines.append(empty, new Row("b", 2));
        assertThrows(FrostException.class, () -> JsonLines.requireSettings(empty, java.util.Map.of("seq_len", 64)));
    }
}
