package dev.frost.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.train.FitResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON record of a run: every epoch, the freeze timeline, the cache, and the savings line. */
public final class RunRecords {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunRecords() {}

    /** Writes the record of a finished fit to {@code file} (atomically). */
    public static void write(Path file, FitResult result) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("summary", result.savingsLine());
        doc.put("flopsSaved", result.flopsSaved());
        doc.put("timeSaved", result.timeSaved());
        doc.put("result", result);
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new FrostException("cannot write run record " + file + ": " + e.getMessage(), e);
        }
    }
}
