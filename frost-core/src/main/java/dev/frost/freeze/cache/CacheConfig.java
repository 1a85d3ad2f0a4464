package dev.frost.freeze.cache;

import dev.frost.FrostException;

import java.nio.file.Path;

/**
 * Settings of the activation cache. Immutable.
 *
 * @param memoryBudgetBytes cached rows up to this many bytes stay on the heap; beyond it they spill to a
 *                          memory-mapped file in {@code spillDir}
 * @param precision         storage precision (float16/bfloat16 halve the bytes)
 * @param spillDir          folder for spill files; a file there is reused by a later run with the same key
 */
public record CacheConfig(long memoryBudgetBytes, Precision precision, Path spillDir) {
    public CacheConfig {
        if (memoryBudgetBytes < 0) {
            throw new FrostException("cache memory budget must be >= 0, got " + memoryBudgetBytes);
        }
    }

    /** 2 GiB on the heap, float32, spill to {@code target/frost-cache}. */
    public static CacheConfig defaults() {
        return new CacheConfig(2L << 30, Precision.FLOAT32, Path.of("target", "frost-cache"));
    }

    public CacheConfig withMemoryBudget(long bytes) {
        return new CacheConfig(bytes, precision, spillDir);
    }

    public CacheConfig withPrecision(Precision p) {
        return new CacheConfig(memoryBudgetBytes, p, spillDir);
    }

    public CacheConfig withSpillDir(Path dir) {
        return new CacheConfig(memoryBudgetBytes, precision, dir);
    }

}
