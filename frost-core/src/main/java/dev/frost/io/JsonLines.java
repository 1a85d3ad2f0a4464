package dev.frost.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Result rows, one JSON object a line, appended as each finishes: a long measurement that stops keeps every row it
 * finished, and the next run reads them back to skip what is done. A line without its newline is a row whose write
 * was cut off (a kill mid-append): it is ignored on read and removed by the next append.
 */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {}

    /** The rows of {@code file} as {@code type}; none when the file does not exist. */
    public static <T> List<T> read(Path file, Class<T> type) {
        List<T> rows = new ArrayList<>();
        if (file == null || !Files.exists(file)) {
            return rows;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + dev.frost.Untrusted.reason(e), e);
        }
        int complete = endsWithNewline(file) ? lines.size() : lines.size() - 1;
        for (int i = 0; i < complete; i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                rows.add(JSON.readValue(lines.get(i), type));
            } catch (JsonProcessingException e) {
                throw new FrostException(file + " line " + (i + 1) + ": not a result row: " + e.getOriginalMessage(), e);
            }
        }
        return rows;
    }

    /**
     * Guards a results file against rows measured under other settings: the settings are kept beside it
     * ({@code FILE.settings.json}, written on first use) and a later run with different ones is refused, naming the
     * settings that differ, before any work and without touching the file.
     */
    public static void requireSettings(Path file, Map<String, Object> settings) {
        Path side = Path.of(file + ".settings.json");
        try {
            // through text, as the file will be read: a long and an int of the same value then compare equal
            JsonNode want = JSON.readTree(JSON.writeValueAsString(new TreeMap<>(settings)));
            // settings without a row are a run that stopped before its first result: nothing to keep them for
            boolean rows = Files.exists(file) && Files.size(file) > 0;
            if (Files.exists(side) && rows) {
                JsonNode have;
                try {
                    have = JSON.readTree(side.toFile());
                } catch (JsonProcessingException e) { // a run killed while writing it
                    throw new FrostException(side + " is not valid JSON (" + e.getOriginalMessage() + "); delete it"
                            + " and it is written anew from this run's settings", e);
                }
                // both ways: a setting the file names and this run does not is a difference too
                Set<String> keys = new TreeSet<>();
                want.fieldNames().forEachRemaining(keys::add);
                have.fieldNames().forEachRemaining(keys::add);
                List<String> differ = new ArrayList<>();
                for (String k : keys) {
                    if (!Objects.equals(want.get(k), have.get(k))) {
                        differ.add(k + " " + shown(have.get(k)) + " there, " + shown(want.get(k)) + " now");
                    }
                }
                if (!differ.isEmpty()) {
                    throw new FrostException(file + " holds rows measured with other settings (" + String.join("; ",
                            differ) + "): pick another output file or the same settings");
                }
                return;
            }
            Path parent = side.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(side.toFile(), want);
        } catch (IOException e) {
            throw new FrostException("cannot read or write " + side + ": " + e.getMessage(), e);
        }
    }

    private static String shown(JsonNode value) {
        return value == null ? "none" : value.toString();
    }

    /** Appends {@code row} as one line (the folder is created when missing). */
    public static void append(Path file, Object row) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            dropCutOffLine(file);
            Files.writeString(file, JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new FrostException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsWithNewline(Path file) {
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == 0) {
                return true;
            }
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            return last.get(0) == '\n';
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + dev.frost.Untrusted.reason(e), e);
        }
    }

    /** Truncates a last line whose write was cut off, so the next row starts on a line of its own. */
    private static void dropCutOffLine(Path file) throws IOException {
        if (!Files.exists(file) || endsWithNewline(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        int keep = bytes.length;
        while (keep > 0 && bytes[keep - 1] != '\n') {
            keep--;
        }
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(keep);
        }
    }
}
