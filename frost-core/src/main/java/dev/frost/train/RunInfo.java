package dev.frost.train;

import ai.djl.engine.Engine;
import dev.frost.data.Dataset;
import dev.frost.engine.FrostEngine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Provenance and memory of a fit, for the run record: what was run (the full configuration, optimizer, loss,
 * metrics, data and its fingerprint, versions, threads) and what it held (gradient buffers and optimizer state
 * against what full training would hold, the cache, the process's peak resident memory).
 */
public record RunInfo(Map<String, Object> config, String optimizer, Map<String, Object> optimizerHyperParameters,
                      String loss, List<String> metrics, String trainData, String trainFingerprint, String validData,
                      String validFingerprint, Map<String, String> versions, int threads, Memory memory) {

    /**
     * Bytes held at the peak of the fit. {@code full*} are what training with nothing frozen would hold;
     * {@code peakRssBytes} is the process's high-water mark (Linux VmHWM; -1 where unknown).
     */
    public record Memory(long gradientBytes, long fullGradientBytes, long optimizerStateBytes,
                         long fullOptimizerStateBytes, long cacheBytes, long peakRssBytes) {
        Memory combine(Memory o) {
            return new Memory(Math.max(gradientBytes, o.gradientBytes),
                    Math.max(fullGradientBytes, o.fullGradientBytes),
                    Math.max(optimizerStateBytes, o.optimizerStateBytes),
                    Math.max(fullOptimizerStateBytes, o.fullOptimizerStateBytes),
                    Math.max(cacheBytes, o.cacheBytes), Math.max(peakRssBytes, o.peakRssBytes));
        }
    }

    static RunInfo of(Trainer t, Dataset train, Dataset valid, Memory memory) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("frost", frostVersion());
        versions.put("djl", Engine.getDjlVersion());
        versions.put("libtorch", FrostEngine.get().getVersion());
        versions.put("java", System.getProperty("java.version"));
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        return new RunInfo(t.config().describe(), t.optimizer().type(), t.optimizer().hyperParameters(),
                t.loss().name(), t.metricNames(), train.name(), Long.toHexString(train.fingerprint()),
                valid == null ? null : valid.name(), valid == null ? null : Long.toHexString(valid.fingerprint()),
                versions, threads, memory);
    }

    /** The process's peak resident set in bytes (Linux), or -1. */
    public static long peakRssBytes() {
        return statusBytes("VmHWM:");
    }

    /** The process's resident set now, in bytes (Linux), or -1. */
    public static long rssBytes() {
        return statusBytes("VmRSS:");
    }

    private static long statusBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Resets the process's peak resident set to its current size (Linux {@code /proc/self/clear_refs}), so the next
     * {@link #peakRssBytes()} is the peak since now; false where the system does not allow it.
     */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String frostVersion() {
        try (InputStream in = RunInfo.class.getResourceAsStream("/dev/frost/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
