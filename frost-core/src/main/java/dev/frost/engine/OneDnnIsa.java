package dev.frost.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A known fault of libtorch 2.7.1's CPU build: on AMD processors with AVX-512 (measured on an AMD EPYC), oneDNN's
 * AVX-512 convolution kernels now and then return non-finite input gradients (a small CNN diverged in 3–4 of 10
 * short runs; Intel's AVX-512 machines never showed it), and its AVX2 kernels more rarely (the ResNet test class: 3
 * of 28 runs capped at AVX2, 0 of 20 at SSE4.1). The cure is the environment
 * variable {@code ONEDNN_MAX_CPU_ISA=SSE41}, read by oneDNN when the process starts, so Java cannot set it for
 * itself: {@code ./frost} and the test build set it, and a library user on such a CPU is told once.
 */
public final class OneDnnIsa {
    /** The environment variables through which oneDNN takes a cap on its instruction set. */
    private static final String[] CAPS = {"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"};
    private static final Pattern AVX512F = Pattern.compile("(?m)^flags\\s*:.*\\bavx512f\\b");

    private OneDnnIsa() {}

    /**
     * The one-line advice for a process with this {@code /proc/cpuinfo} and environment, or empty when the CPU is
     * not affected or oneDNN's instruction set is already capped.
     */
    public static Optional<String> advice(String cpuinfo, Map<String, String> env) {
        for (String cap : CAPS) {
            String v = env.get(cap);
            if (v != null && !v.isBlank()) {
                return Optional.empty();
            }
        }
        if (!cpuinfo.contains("AuthenticAMD") || !AVX512F.matcher(cpuinfo).find()) {
            return Optional.empty();
        }
        return Optional.of("this AMD CPU with AVX-512 gets non-finite convolution gradients from oneDNN's AVX-512"
                + " and AVX2 kernels now and then: start the JVM with the environment variable ONEDNN_MAX_CPU_ISA=SSE41"
                + " (./frost sets it)");
    }

    /** {@link #advice(String, Map)} for this process (empty where {@code /proc/cpuinfo} cannot be read). */
    public static Optional<String> advice() {
        return Holder.ADVICE;
    }

    private static final class Holder {
        static final Optional<String> ADVICE = read();

        private static Optional<String> read() {
            try {
                return advice(Files.readString(Path.of("/proc/cpuinfo")), System.getenv());
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
