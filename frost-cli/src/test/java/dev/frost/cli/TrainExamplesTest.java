package dev.frost.cli;

import dev.frost.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * examples/digits-transfer.yaml as the README runs it, shortened: the digits from {@code frost data digits}, the
 * embedded font-digits base read through {@code classpath:}; examples/spam-minilm.yaml on a few fake e-mails
 * written by {@code frost data spam} (the real ones need the SpamAssassin download and minutes of MiniLM).
 */
class TrainExamplesTest {
    private static final String BASE = "/frost/base/font-cnn/model.safetensors";

    @Test
    void digitsTransferExampleLoadsTheEmbeddedBase(@TempDir Path dir) throws Exception {
        Path digits = dir.resolve("digits");
        assertEquals(0, CliRunner.run("data", "digits", digits.toString()).code());
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run(train(digits, run, "--set", "trainer.epochs=1",
                "--set", "strategy.freeze_epochs=1"));
        System.out.printf("digits-transfer example, 1 frozen + 1 epoch: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err() + r.out());

        // after the frozen phase every base tensor (convs, BatchNorm and its running statistics) is the embedded one
        Map<String, SafeTensors.Tensor> embedded;
        try (InputStream in = TrainExamplesTest.class.getResourceAsStream(BASE)) {
            embedded = SafeTensors.parse(in.readAllBytes(), BASE);
        }
        Map<String, SafeTensors.Tensor> frozen = SafeTensors.parse(Files.readAllBytes(
                latest(run.resolve("checkpoints/frozen")).resolve("model.safetensors")), "frozen checkpoint");
        int same = 0;
        for (var e : embedded.entrySet()) {
            SafeTensors.Tensor t = frozen.get(e.getKey());
            if (t != null) {
                assertArrayEquals(e.getValue().data(), t.data(), e.getKey());
                same++;
            }
        }
        assertEquals(18, same, "base tensors in the run (the base's own classifier is cut off)");

        // a pretrained base, not a random one: after one frozen and one unfrozen epoch, far above chance (0.1)
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*test: \\{[^}]*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc > 0.4, "test accuracy " + acc);

        // a classpath: folder that does not exist is one line naming the key, before any training
        r = CliRunner.run(train(digits, dir.resolve("bad"), "--set",
                "model.base.checkpoint=classpath:/frost/base/nope"));
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("frost: model.base.checkpoint: checkpoint resource /frost/base/nope/"), r.err());
    }

    @Test
    void spamMiniLmExampleRunsFrozenAndCached(@TempDir Path dir) throws Exception {
        Path data = DataCommandTest.fakeSpamAssassin(dir.resolve("spam-assassin"), 5);
        Path jsonl = dir.resolve("jsonl");
        assertEquals(0, CliRunner.run("data", "spam", jsonl.toString(), "--data", data.toString(),
                "--train-size", "16", "--test-size", "8").code());
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run("train", Path.of("..", "examples", "spam-minilm.yaml").toString(),
                "--set", "data.train=" + jsonl.resolve("train.jsonl"),
                "--set", "data.test=" + jsonl.resolve("test.jsonl"),
                "--set", "run.dir=" + dir.resolve("run"), "--set", "trainer.progress_bar=false",
                "--set", "trainer.epochs=1", "--set", "data.text.seq_len=32");
        System.out.printf("spam-minilm example, 16 e-mails, 1 epoch: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err() + r.out());
        String all = r.out() + r.err();
        assertTrue(all.contains("activation cache: train.jsonl after layer 'layer3'"), all);
        assertTrue(all.contains("frozen groups 5"), all);
        assertTrue(all.contains("test: {"), all);
    }

    private static String[] train(Path digits, Path run, String... more) {
        String[] base = {"train", Path.of("..", "examples", "digits-transfer.yaml").toString(),
            "--set", "data.train=" + digits.resolve("train"), "--set", "data.valid=" + digits.resolve("valid"),
            "--set", "data.test=" + digits.resolve("test"), "--set", "run.dir=" + run,
            "--set", "trainer.progress_bar=false"};
        return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
    }

    private static Path latest(Path phase) throws Exception {
        try (Stream<Path> s = Files.list(phase)) {
            return s.filter(p -> p.getFileName().toString().startsWith("v")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }
}
