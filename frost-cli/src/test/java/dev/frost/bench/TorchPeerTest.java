package dev.frost.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The peer's pipes are drained concurrently, and its timeout really ends a peer that hangs. */
class TorchPeerTest {
    private static String fake(Path dir, String name, String body) throws Exception {
        Path f = Files.writeString(dir.resolve(name), "#!/bin/sh\n" + body);
        f.toFile().setExecutable(true);
        return f.toString();
    }

    @Test
    void aChattyPeerDoesNotDeadlock(@TempDir Path dir) throws Exception {
        // 1 MB on stderr before stdout: far beyond a pipe buffer
        String py = fake(dir, "chatty", "head -c 1048576 /dev/zero | tr '\\0' x >&2\n"
                + "echo '{\"torch\": \"fake\", \"results\": {\"mlp\": {\"full\": [1.5]}}}'\n");
        long t0 = System.nanoTime();
        Optional<TorchPeer.Result> r = TorchPeer.run(py, List.of(), 1, Duration.ofSeconds(30));
        assertTrue(r.isPresent());
        assertEquals("fake", r.get().torchVersion());
        assertEquals(1.5, r.get().times("mlp", "full")[0]);
        assertTrue((System.nanoTime() - t0) / 1e9 < 20);
    }

    @Test
    void aHangingPeerIsKilledAtItsTimeout(@TempDir Path dir) throws Exception {
        String py = fake(dir, "hang", "exec sleep 60\n");
        long t0 = System.nanoTime();
        assertTrue(TorchPeer.run(py, List.of(), 1, Duration.ofSeconds(2)).isEmpty());
        double s = (System.nanoTime() - t0) / 1e9;
        assertTrue(s < 15, "the timeout fired after " + s + " s");
    }
}
