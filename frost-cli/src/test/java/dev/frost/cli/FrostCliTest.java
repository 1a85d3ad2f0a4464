package dev.frost.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrostCliTest {
    private static String[] run(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        return new String[] {String.valueOf(r.code()), r.out(), r.err()};
    }

    @Test
    void summaryPrintsTheTableWithFrozenLayers() {
        String[] r = run("summary", "--model", "mlp", "--freeze-to", "-1");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("N (frozen)") && r[1].contains("Trainable params: 10,250"), r[1]);
    }

    @Test
    void badOptionsGiveOneLineErrors() {
        String[] r = run("summary", "--freeze-to", "9");
        assertEquals("1", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("freezeTo(9) is out of range"), r[2]);
        r = run("bench", "nope");
        assertEquals("2", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("'nope'") && r[2].contains("frost bench --help"), r[2]);
        r = run("bench");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("name a benchmark"), r[2]);
        // each benchmark takes only its own options
        for (String[] c : new String[][] {{"bench", "policies", "--workloads", "mlp"}, {"bench", "freeze", "--quick"},
                {"bench", "minilm", "--repeats", "3"}, {"bench", "freeze", "--train-size", "5"}}) {
            r = run(c);
            assertEquals("2", r[0], String.join(" ", c) + r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
            assertTrue(r[2].contains("Unknown option") && r[2].contains("frost " + c[0] + " " + c[1] + " --help"), r[2]);
        }
    }

    @Test
    void everyBadOptionIsRefusedInOneLineBeforeAnyWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path aFile = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        String[][] cases = {
            {"--base-lr", "demo", "--base-lr", "-1"},
            {"--lr-mult", "demo", "--lr-mult", "0"},
            {"--seeds", "demo", "--seeds", "0"},
            {"--freeze-epochs", "demo", "--epochs", "4", "--freeze-epochs", "4"},
            {"--json", "demo", "--json", aFile.resolve("out.json").toString()},
            {"--json", "demo", "--json", dir.toString()},
            {"--base", "demo", "--base", dir.resolve("none").toString()},
            {"--bases", "demo", "--bases", "fonts,imagenet"},
            {"--count", "pretrain", "--count", "3"},
            {"--data", "pretrain", "--data", dir.resolve("none").toString()},
            {"--seq-len", "demo", "text", "--seq-len", "4"},
            {"--train-size", "demo", "text", "--train-size", "3"},
            {"--json", "demo", "text", "--json", dir.toString()},
            {"--cache-examples", "bench", "freeze", "--cache-examples", "-5"},
            {"--workloads", "bench", "freeze", "--workloads", "gpu"},
            {"--out", "pretrain", "--out", aFile.resolve("x").toString()},
            {"--epochs", "pretrain", "--epochs", "0"},
            {"--model", "bench", "policies", "--model", "vgg"},
            {"--epochs", "bench", "policies", "--epochs", "0"},
            {"--seq-len", "bench", "lora", "--seq-len", "1"},
            {"--train-size", "bench", "minilm", "--train-size", "0"},
            {"--data", "bench", "minilm", "--data", dir.resolve("none").toString()},
            {"--schedule", "bench", "minilm", "--schedule", "warmup"},
            {"--dropout", "bench", "minilm", "--dropout", "1"},
        };
        for (String[] c : cases) {
            long t0 = System.nanoTime();
            String[] r = run(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals("1", r[0], String.join(" ", c) + ": " + r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
            assertTrue(r[2].startsWith("frost: " + c[0]), String.join(" ", c) + " -> " + r[2]);
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "refused before any work: " + String.join(" ", c));
        }
    }

    @Test
    void anUnexpectedErrorIsOneLineUnlessDebugIsOn() {
        String[] r = run("demo", "--digits", "/proc/self/status", "--seeds", "1");
        assertEquals("1", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
    }
}
