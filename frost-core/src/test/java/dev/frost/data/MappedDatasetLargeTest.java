package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A set larger than the heap trains: a child JVM with a 64 MiB heap runs an epoch over a 256+ MiB mapped file. */
class MappedDatasetLargeTest {
    private static final int EXAMPLES = 85_600;

    @Test
    void childWith64MiBHeapTrainsAnEpochOnA256MiBMappedFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.frostds");
        // streamed: one example in the parent's heap at a time; class c lights up features [78c, 78c+78)
        SplittableRandom rng = new SplittableRandom(42);
        float[] x = new float[784];
        try (MappedDatasetWriter w = MappedDataset.writer(file, new Shape(784), LabelKind.CLASS, 10)) {
            for (int i = 0; i < EXAMPLES; i++) {
                int label = i % 10;
                for (int j = 0; j < x.length; j++) {
                    x[j] = rng.nextFloat() + (j / 78 == label ? 1f : 0f);
                }
                w.add(x, label);
            }
        }
        assertTrue(Files.size(file) > 256L << 20, "file of " + Files.size(file) + " bytes");

        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx64m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2",
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                MappedTrainChild.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), "child failed:\n" + out);
        Matcher m = Pattern.compile("RESULT examples=(\\d+) steps=(\\d+) maxHeap=(\\d+) firstLoss=(\\S+) lastLoss=(\\S+)")
                .matcher(out);
        assertTrue(m.find(), "no result line in:\n" + out);
        assertEquals(EXAMPLES, Integer.parseInt(m.group(1)));
        assertEquals((EXAMPLES + 255) / 256, Integer.parseInt(m.group(2)), "one full epoch");
        long maxHeap = Long.parseLong(m.group(3));
        assertTrue(maxHeap <= 64L << 20 && maxHeap < Files.size(file) / 4, "child heap " + maxHeap);
        double first = Double.parseDouble(m.group(4));
        double last = Double.parseDouble(m.group(5));
        assertTrue(Double.isFinite(last), "epoch loss " + last);
        assertTrue(last < first * 0.5, "loss did not fall: first step " + first + ", epoch mean " + last);
    }
}
