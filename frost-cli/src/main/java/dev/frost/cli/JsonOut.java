package dev.frost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --json FILE} option of the commands: the same results as the printed table, written atomically. */
final class JsonOut {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonOut() {}

    static void write(Path file, Object value) {
        if (file == null) {
            return;
        }
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new FrostException("cannot write " + file + ": " + e.getMessage(), e);
        }
        System.out.println("wrote " + file);
    }
}
