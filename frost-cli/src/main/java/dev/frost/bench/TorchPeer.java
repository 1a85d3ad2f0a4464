package dev.frost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs the bundled PyTorch script on the same workloads; absent Python or torch means no peer column. */
final class TorchPeer {
    private static final Logger LOG = LoggerFactory.getLogger(TorchPeer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Step times in ms by workload and mode, and the torch version. */
    record Result(String torchVersion, JsonNode samples) {

        /** Times of one workload and mode. */
        double[] times(String workload, String mode) {
            JsonNode arr = samples.get(workload).get(mode);
            double[] out = new double[arr.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = arr.get(i).asDouble();
            }
            return out;
        }
    }

    private TorchPeer() {}

    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        }, "torch-peer-pipe");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /**
     * The peer's threads ({@code threads}, passive waiting, as Frost's engine) and, unless the environment sets it,
     * OpenBLAS's kernel: in a VM whose CPU reports a generic model name OpenBLAS falls back to its Prescott (SSE3)
     * kernels, 4-6x slower than the AVX2/AVX-512 ones the CPU has; the peer must not be handicapped by that.
     */
    static ProcessBuilder configure(ProcessBuilder pb, int threads) {
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        if (!pb.environment().containsKey("OPENBLAS_CORETYPE")) {
            String core = openBlasCore();
            if (core != null) {
                pb.environment().put("OPENBLAS_CORETYPE", core);
            }
        }
        return pb;
    }

    /** OpenBLAS's kernel for this CPU's vector extensions (Linux), or null to let OpenBLAS detect. */
    static String openBlasCore() {
        try {
            String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags")).findFirst().orElse("");
            List<String> f = List.of(flags.split("\\s+"));
            return f.contains("avx512f") ? "SkylakeX" : f.contains("avx2") ? "Haswell" : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs the peer; empty, with the reason logged, when Python or torch is unavailable. */
    static Optional<Result> run(String python, List<Map<String, Object>> workloads, int threads) {
        return run(python, workloads, threads, Duration.ofMinutes(20));
    }

    /** Like {@link #run(String, List, int)}; a peer still running after {@code timeout} is killed. */
    static Optional<Result> run(String python, List<Map<String, Object>> workloads, int threads, Duration timeout) {
        Path script = null;
        try (InputStream in = TorchPeer.class.getResourceAsStream("/frost/torch_peer.py")) {
            script = Files.createTempFile("frost-torch-peer", ".py");
            Files.write(script, in.readAllBytes());
            String args = JSON.writeValueAsString(Map.of("workloads", workloads, "threads", threads));
            ProcessBuilder pb = configure(new ProcessBuilder(python, script.toString(), args), threads);
            Process p = pb.start();
            // Both pipes are drained on their own threads: a peer that fills stderr while we block on stdout (or
            // the reverse) would otherwise deadlock, and waitFor's timeout could never fire.
            CompletableFuture<byte[]> stdout = drain(p.getInputStream());
            CompletableFuture<byte[]> stderr = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                LOG.warn("PyTorch peer skipped: no result after {} s (killed)", timeout.toSeconds());
                return Optional.empty();
            }
            byte[] out = stdout.get(10, TimeUnit.SECONDS);
            byte[] err = stderr.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                String why = new String(err, StandardCharsets.UTF_8).strip();
                String last = why.isEmpty() ? "exit " + p.exitValue() : why.substring(why.lastIndexOf('\n') + 1);
                LOG.warn("PyTorch peer skipped: {} (install python3-torch and libopenblas0-pthread)", last);
                return Optional.empty();
            }
            JsonNode node = JSON.readTree(out);
            return Optional.of(new Result(node.get("torch").asText(), node.get("results")));
        } catch (IOException e) {
            LOG.warn("PyTorch peer skipped: cannot run {} ({})", python, e.getMessage());
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("PyTorch peer skipped: its output could not be read ({})", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // temp file; the OS cleans up
                }
            }
        }
    }
}
