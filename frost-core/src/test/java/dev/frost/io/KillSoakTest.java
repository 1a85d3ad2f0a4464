package dev.frost.io;

import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 at random moments, saves included: every resume continues from the last published checkpoint, the previous
 * checkpoint always loads, and the final weights equal the uninterrupted run's bit for bit.
 */
class KillSoakTest {
    private static Process child(Path dir, Path out) throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), SoakChild.class.getName(), dir.toString(),
                out.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String waitFor(Process p, String prefix) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        return null;
    }

    /** Reads the rest of the child's output in the background, so that it never blocks on a full pipe. */
    private static void drain(Process p) {
        Thread t = new Thread(() -> {
            try {
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                // the child was killed
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @Test
    void twentyKillsIncludingDuringSavesEndBitIdenticalToTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path refOut = tmp.resolve("reference");
        Process ref = child(tmp.resolve("ref-ckpt"), refOut);
        assertTrue(ref.waitFor(120, TimeUnit.SECONDS) && ref.exitValue() == 0, "reference run failed");

        Path dir = tmp.resolve("ckpt");
        Path out = tmp.resolve("final");
        SplittableRandom rng = new SplittableRandom(2026);
        int kills = 0;
        int duringSave = 0;
        long lastStep = -1;
        while (kills < 20 || duringSave == 0 && kills < 60) { // a slow (busy) machine may need more tries to hit a save
            Process p = child(dir, out);
            String ready = waitFor(p, "ready");
            assertTrue(ready != null, "the child died before training");
            long step = Long.parseLong(ready.replaceAll("\\D", ""));
            assertTrue(step >= lastStep, "resumed at step " + step + " after " + lastStep + ": went back");
            lastStep = step;
            // from its first checkpointed step: a child's start-up (JIT, first step) can outlast any fixed delay,
            // and a kill there tests nothing
            if (waitFor(p, "step") == null) {
                break; // finished: nothing left to interrupt
            }
            drain(p);
            Thread.sleep(rng.nextInt(0, 400));
            if (!p.isAlive()) {
                break; // finished before the kill: nothing left to interrupt
            }
            p.destroyForcibly().waitFor(); // SIGKILL
            kills++;
            if (Files.exists(dir)) {
                try (var files = Files.list(dir)) {
                    duringSave += files.anyMatch(f -> f.getFileName().toString().startsWith(".tmp-")) ? 1 : 0;
                }
                if (!CheckpointStore.versions(dir).isEmpty()) {
                    try (FrostModel m = SoakChild.model()) {
                        Checkpoints.loadModel(dir, m); // the previous checkpoint always loads
                    }
                }
            }
        }
        assertTrue(kills >= 20, "only " + kills + " kills before the run ended: make it longer");
        assertTrue(duringSave > 0, "no kill landed in the middle of a save");
        System.out.println("kill soak: " + kills + " kills, " + duringSave + " during a save, last resume at step "
                + lastStep);
        Process last = child(dir, out);
        assertTrue(last.waitFor(120, TimeUnit.SECONDS) && last.exitValue() == 0, "the final resume failed");
        try (FrostModel a = SoakChild.model(); FrostModel b = SoakChild.model()) {
            Checkpoints.loadModel(refOut, a);
            Checkpoints.loadModel(out, b);
            Map<String, float[]> expected = Snapshots.of(a);
            assertEquals(Map.of().size(), Snapshots.changed(expected, Snapshots.of(b)).size(),
                    "weights differ from the uninterrupted run: " + Snapshots.changed(expected, Snapshots.of(b)));
        }
    }
}
