package dev.frost.cli.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The files of a run folder besides checkpoints: where each is, and how it is written (atomically or appended). */
public final class RunFiles {
    public static final String CONFIG = "config.yaml";
    public static final String STATE = "state.json";
    public static final String EPOCHS = "epochs.jsonl";
    public static final String TIMELINE = "timeline.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String METRICS = "metrics.csv";
    public static final String RECORD = "run.json";
    public static final String REPORT = "report.html";
    public static final String CHECKPOINTS = "checkpoints";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    /**
     * Where a run stands: status running/stopped/finished, the phase it is in, what evaluate and predict need to
     * rebuild the model and read data as training did, and the test metrics once finished.
     */
    public record State(String status, int phase, List<String> phases, List<String> classNames,
                        List<String> featureColumns, List<Long> inputShape, int outputs, String labelKind,
                        Map<String, Double> test, Scaling scaling) {
        State with(String s, int p) {
            return new State(s, p, phases, classNames, featureColumns, inputShape, outputs, labelKind, test, scaling);
        }

        State withTest(Map<String, Double> t) {
            return new State(status, phase, phases, classNames, featureColumns, inputShape, outputs, labelKind, t,
                    scaling);
        }
    }

    private RunFiles() {}

    static void write(Path file, Object value) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new FrostException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void writeText(Path file, String text) {
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The state of the run in {@code dir}; a folder without one is not a run. */
    public static State state(Path dir) {
        Path f = dir.resolve(STATE);
        if (!Files.isRegularFile(f)) {
            throw new FrostException(dir + " is not a frost run folder (no " + STATE + ")");
        }
        try {
            return JSON.readValue(f.toFile(), State.class);
        } catch (IOException e) {
            throw new FrostException("run state " + f + " is not valid: " + String.valueOf(e.getMessage())
                    .lines().findFirst().orElse(""), e);
        }
    }

    static void append(Path file, Object value) {
        try {
            Files.writeString(file, LINE.writeValueAsString(value) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new FrostException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The lines of a JSON-lines file (none when it does not exist; a torn last line is ignored). */
    public static List<JsonNode> lines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!l.isBlank()) {
                    try {
                        out.add(LINE.readTree(l));
                    } catch (IOException torn) {
                        // a crash mid-append; the line is written again when the epoch is rerun
                    }
                }
            }
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    static <T> T convert(JsonNode node, Class<T> type) {
        return LINE.convertValue(node, type);
    }
}
