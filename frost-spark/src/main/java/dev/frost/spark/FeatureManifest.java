package dev.frost.spark;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code _manifest.json} of a feature set, written last (atomically) once every shard is committed: its presence
 * means the set is complete. {@code key} is the activation cache's key, so the trainer serves the rows only to the
 * prefix, data, boundary and precision they were computed for.
 *
 * @param rowShape     shape of one example's activations ({@code activations} holds its values little-endian,
 *                     {@code precision} bytes each: numpy {@code frombuffer(b, '<f4')} for float32)
 * @param shards       {@code shard=<i>} folders, each a committed Spark output of ids
 *                     {@code [i * rowsPerShard, (i + 1) * rowsPerShard)}
 */
public record FeatureManifest(String format, int version, String key, long rows, List<Long> rowShape,
                              String precision, int boundary, String data, int labelWidth, int shards,
                              long rowsPerShard, double seconds) {
    // leading "_": Spark (spark.read.parquet(dir)) skips it, like _SUCCESS
    public static final String FILE = "_manifest.json";
    public static final String FORMAT = "frost-features";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public int rowLength() {
        return Math.toIntExact(rowShape.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b));
    }

    void write(Path dir) {
        try {
            AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new FrostException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The manifest in {@code dir}, or null when there is none (the set is absent or unfinished). */
    public static FeatureManifest read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            FeatureManifest m = JSON.readValue(f.toFile(), FeatureManifest.class);
            if (!FORMAT.equals(m.format())) {
                throw new FrostException(f + ": not a Frost feature set (format '" + m.format() + "')");
            }
            return m;
        } catch (IOException e) {
            throw new FrostException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
