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
 */
public record CacheConfig(long memoryBudgetBytes, Precision precision, Path spillDir, boolean keepSpillFiles) {
    public CacheConfig {
        if (memoryBudgetBytes < 0) {
            throw new FrostException("cache memory budget must be >= 0, got " + memoryBudgetBytes);
        }
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
        return new CacheConfig(bytes, precision, spillDir, keepSpillFiles);
    }

    public CacheConfig withPrecision(Precision p) {
        return new CacheConfig(memoryBudgetBytes, p, spillDir, keepSpillFiles);
    }

    public CacheConfig withSpillDir(Path dir) {
        return new CacheConfig(memoryBudgetBytes, precision, dir, keepSpillFiles);
    }

    /** Keeps spill files after the fit, for reuse by a later run with the same key. */
    public CacheConfig withKeptSpillFiles(boolean keep) {
        return new CacheConfig(memoryBudgetBytes, precision, spillDir, keep);
    }

    /** The heap budget in effect: the configured one, at most half of the JVM's maximum heap. */
    public long effectiveMemoryBudget() {
        return Math.min(memoryBudgetBytes, Runtime.getRuntime().maxMemory() / 2);
    }

}
