package dev.frost.freeze.cache;

import dev.frost.FrostException;
import org.slf4j.Logger;

import java.nio.file.Path;

/** Fills a new cache entry from a {@link FeatureSet} written for the same key, streaming its rows into the store. */
final class FeatureFill {
    private FeatureFill() {}

    /**
     * Fills {@code store} (the entry with {@code key}) from the feature set in {@code dir} when the set was written
     * for this entry's boundary and data; refuses, in one line, a set for them whose key differs in anything else.
     * Entries of other boundaries or data are left to the cache.
     */
    static void fill(Path dir, String key, int boundary, String dataName, RowStore store, int rows, Logger log) {
        if (store.complete()) {
            return; // a reused spill file already holds the rows
        }
        try (FeatureSet fs = FeatureSet.open(dir)) {
            String theirs = fs.key();
            if (!field(theirs, "boundary").equals(String.valueOf(boundary))
                    || !dataName(field(theirs, "data")).equals(dataName)) {
                log.info("feature set {} is for {}; this entry ({} at boundary {}) is computed", fs.location(),
                        field(theirs, "data") + " at boundary " + field(theirs, "boundary"), dataName, boundary);
                return;
            }
            String diff = ActivationCache.keyDifference(key, theirs);
            if (diff != null) {
                throw new FrostException("feature set " + fs.location() + " was written for another key: " + diff
                        + "; run frost featurize again for this model and data");
            }
            if (fs.rows() != rows || fs.rowLength() * (long) rows != store.bytes() / precisionBytes(key)) {
                throw new FrostException("feature set " + fs.location() + " has " + fs.rows() + " rows of "
                        + fs.rowLength() + ", the cache expects " + rows);
            }
            long t0 = System.nanoTime();
            fs.forEachRow((row, values) -> {
                if (row < 0 || row >= rows) {
                    throw new FrostException("feature set " + fs.location() + ": row id " + row + " out of range");
                }
                store.put(row, values, 0);
            });
            if (!store.complete()) {
                throw new FrostException("feature set " + fs.location() + " is incomplete: it lacks rows of the "
                        + rows + " expected");
            }
            store.seal();
            log.info(String.format(java.util.Locale.ROOT, "activation cache: %d rows read from feature set %s in %.1f s",
                    rows, fs.location(), (System.nanoTime() - t0) / 1e9));
        }
    }

    private static int precisionBytes(String key) {
        return Precision.valueOf(field(key, "precision")).bytes();
    }

    /** The value of {@code |name=value} in a key ("" when absent). */
    static String field(String key, String name) {
        for (String part : key.split("\\|")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return "";
    }

    private static String dataName(String data) {
        int hash = data.lastIndexOf('#');
        return hash < 0 ? data : data.substring(0, hash);
    }
}
