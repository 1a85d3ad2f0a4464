package dev.frost.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of every file reader, each in a child JVM ({@link ReadersFuzzChild}, -Xmx256m) so that an
 * OutOfMemoryError, a native abort of libtorch or a hang fails this test rather than the build. Each input must parse,
 * or fail with a FrostException of one line under 300 characters naming the file, within 5 s and 32 MiB + 64 bytes
 * per input byte of heap. Fixed seed: a failure names its case, which {@code ReadersFuzzChild} replays alone. Prints
 * nothing on success; the counts of each run are written to {@code target/fuzz/<reader>.txt}.
 */
class ReadersFuzzTest {
    static final long SEED = 20_251_128L;

    @Test
    void safetensors(@TempDir Path work) throws Exception {
        fuzz("safetensors", 10_000, work);
    }

    @Test
    void idx(@TempDir Path work) throws Exception {
        fuzz("idx", 10_000, work);
    }

    @Test
    void onnx(@TempDir Path work) throws Exception {
        fuzz("onnx", 10_000, work);
    }

    @Test
    void tokenizer(@TempDir Path work) throws Exception {
        fuzz("tokenizer", 10_000, work);
    }

    @Test
    void digitsGrid(@TempDir Path work) throws Exception {
        fuzz("digits", 1_500, work);
    }

    private static void fuzz(String reader, int cases, Path work) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-Xss4m", "-XX:+UseSerialGC", "-Djava.awt.headless=true", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Djava.io.tmpdir=" + work, "-cp", System.getProperty("java.class.path"),
                ReadersFuzzChild.class.getName(), reader, Long.toString(SEED), Integer.toString(cases),
                work.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(captured);
            } catch (java.io.IOException ignored) {
                // the child is gone
            }
        });
        pump.start();
        boolean finished = p.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        pump.join(10_000);
        String out = captured.toString(StandardCharsets.UTF_8);
        String replay = "; replay one case with: java -cp <test classpath> " + ReadersFuzzChild.class.getName() + " "
                + reader + " " + SEED + " " + cases + " <dir> <case>";
        if (!finished || p.exitValue() != 0) {
            fail(reader + " fuzz child " + (finished ? "died with exit code " + p.exitValue() : "timed out")
                    + " at case " + lastCase(work) + replay + "\n" + tail(out));
        }
        Matcher m = Pattern.compile("SUMMARY reader=\\S+ seed=\\d+ cases=(\\d+) ok=(\\d+) frost=(\\d+) bug=(\\d+).*")
                .matcher(out);
        assertTrue(m.find(), "no summary from the " + reader + " fuzz child:\n" + tail(out));
        Path report = Path.of("target", "fuzz");
        Files.createDirectories(report);
        Files.writeString(report.resolve(reader + ".txt"), m.group() + "\n");
        long bugs = Long.parseLong(m.group(4));
        assertEquals(0, bugs, reader + ": " + bugs + " inputs neither parsed nor failed with a one-line"
                + " FrostException" + replay + "\n" + tail(out));
        assertEquals(cases, Long.parseLong(m.group(1)));
        assertEquals(cases, Long.parseLong(m.group(2)) + Long.parseLong(m.group(3)));
    }

    private static String lastCase(Path work) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(work.resolve("progress")))) {
            return Integer.toString(in.readInt());
        } catch (Exception e) {
            return "?";
        }
    }

    private static String tail(String s) {
        return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
    }
}
