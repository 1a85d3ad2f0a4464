package dev.frost.freeze.cache;

import dev.frost.FrostException;

import java.nio.file.Path;

/**
 * Settings of the activation cache. Immutable.
 *
 * @param memoryBudgetBytes cached rows up to this many bytes stay on the heap; beyond it they spill to a
 *                          memory-mapped file in {@code spillDir}
 * @param precision         storage precision (float16/bfloat16 halve the bytes)
 * @param spillDir          folder for spill files (the run's cache folder)
 * @param keepSpillFiles    keep spill files when the fit ends, so a later run with the same key reuses them;
 *                          otherwise they are removed
 * @param features          null, or a precomputed {@link FeatureSet} (e.g. Parquet from {@code frost featurize})
 *                          whose rows fill the entry with its key; an entry of its boundary and data with another key
 *                          is refused
 */
public record CacheConfig(long memoryBudgetBytes, Precision precision, Path spillDir, boolean keepSpillFiles,
                          Path features) {
    public CacheConfig {
        if (memoryBudgetBytes < 0) {
            throw new FrostException("cache memory budget must be >= 0, got " + memoryBudgetBytes);
        }
    }

    public CacheConfig(long memoryBudgetBytes, Precision precision, Path spillDir, boolean keepSpillFiles) {
        this(memoryBudgetBytes, precision, spillDir, keepSpillFiles, null);
    }

    /**
     * Up to 2 GiB on the heap (never more than half the JVM's maximum heap), float32, spill files in a
     * {@code frost-cache} folder under the system's temporary folder, removed when the fit ends.
     */
    public static CacheConfig defaults() {
        return new CacheConfig(2L << 30, Precision.FLOAT32,
                Path.of(System.getProperty("java.io.tmpdir"), "frost-cache"), false);
    }

    public CacheConfig withMemoryBudget(long bytes) {
        return new CacheConfig(bytes, precision, spillDir, keepSpillFiles, features);
    }

    public CacheConfig withPrecision(Precision p) {
        return new CacheConfig(memoryBudgetBytes, p, spillDir, keepSpillFiles, features);
    }

    public CacheConfig withSpillDir(Path dir) {
        return new CacheConfig(memoryBudgetBytes, precision, dir, keepSpillFiles, features);
    }

    /** Keeps spill files after the fit, for reuse by a later run with the same key. */
    public CacheConfig withKeptSpillFiles(boolean keep) {
        return new CacheConfig(memoryBudgetBytes, precision, spillDir, keep, features);
    }

    /** Serves the entry with the feature set's key from the feature set in {@code dir} (null: none). */
    public CacheConfig withFeatures(Path dir) {
        return new CacheConfig(memoryBudgetBytes, precision, spillDir, keepSpillFiles, dir);
    }

    /** The heap budget in effect: the configured one, at most half of the JVM's maximum heap. */
    public long effectiveMemoryBudget() {
        return Math.min(memoryBudgetBytes, Runtime.getRuntime().maxMemory() / 2);
    }

}
