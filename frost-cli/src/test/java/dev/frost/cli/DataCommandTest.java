package dev.frost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.data.ArrayDataset;
import dev.frost.data.ImageFolderDataset;
import dev.frost.examples.DigitsGrid;
import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost data digits / spam: the files, their counts, the pixels and texts they hold, and bad input. */
class DataCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void digitsAsPngFoldersWithTheDemoSplitAndTheEmbeddedPixels(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("digits");
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run("data", "digits", out.toString());
        System.out.printf("frost data digits: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err());
        int total = 0;
        for (String part : List.of("train", "valid", "test")) {
            for (int c = 0; c < 10; c++) {
                int n = pngs(out.resolve(part).resolve(Integer.toString(c))).size();
                if (!part.equals("test")) {
                    assertEquals(50, n, part + "/" + c);
                }
                total += n;
            }
        }
        assertEquals(5000, total);
        assertEquals(4000, pngs(out.resolve("test")).size());

        // read back as frost train reads an image folder: the same floats as the embedded dataset
        ArrayDataset embedded = DigitsGrid.embedded();
        ImageFolderDataset valid = ImageFolderDataset.builder(out.resolve("valid")).optSize(28, 28).optChannels(1)
                .build();
        assertEquals(500, valid.size());
        float[] x = new float[28 * 28];
        for (int i : new int[] {0, 137, 499}) {
            Path f = valid.file(i);
            int index = Integer.parseInt(f.getFileName().toString().replace(".png", ""));
            assertEquals(embedded.label(index), valid.label(i), f.toString());
            assertEquals(Integer.toString(embedded.label(index)), f.getParent().getFileName().toString());
            valid.readFeatures(i, x, 0);
            float[] want = embedded.example(index);
            for (int p = 0; p < x.length; p++) {
                assertEquals(want[p], x[p], 1e-5f, f + " pixel " + p);
            }
        }

        // the same seed writes the same files; another seed another split
        Path again = dir.resolve("again");
        assertEquals(0, CliRunner.run("data", "digits", again.toString()).code());
        assertEquals(names(out.resolve("train")), names(again.resolve("train")));
        Path other = dir.resolve("other");
        assertEquals(0, CliRunner.run("data", "digits", other.toString(), "--seed", "7").code());
        assertTrue(!names(out.resolve("train")).equals(names(other.resolve("train"))));

        r = CliRunner.run("data", "digits", out.toString());
        assertEquals(1, r.code());
        assertEquals("frost: OUT " + out + " is not empty; give a new or empty folder", r.err().strip());
    }

    @Test
    void spamAsJsonLinesWithTheBenchmarkSplit(@TempDir Path dir) throws Exception {
        Path data = fakeSpamAssassin(dir.resolve("spam-assassin"), 6);
        Path out = dir.resolve("jsonl");
        CliRunner.Result r = CliRunner.run("data", "spam", out.toString(), "--data", data.toString(),
                "--train-size", "10", "--test-size", "8");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> train = rows(out.resolve("train.jsonl"));
        List<JsonNode> test = rows(out.resolve("test.jsonl"));
        assertEquals(10, train.size());
        assertEquals(8, test.size());

        // exactly the benchmark's lists (seed 42), labels as words
        SpamFineTune.Emails want = SpamFineTune.shuffle(SpamAssassin.load(data), 10, 8, 42);
        for (int i = 0; i < 10; i++) {
            assertEquals(want.train().get(i).text(), train.get(i).get("text").asText());
            assertEquals(want.train().get(i).label() == 1 ? "spam" : "ham", train.get(i).get("label").asText());
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(want.test().get(i).text(), test.get(i).get("text").asText());
        }
        List<String> all = new ArrayList<>();
        Stream.concat(train.stream(), test.stream()).forEach(n -> all.add(n.get("text").asText()));
        assertEquals(18, all.stream().distinct().count(), "no e-mail in both files");
        assertTrue(all.stream().anyMatch(t -> t.startsWith("spam-"))
                && all.stream().anyMatch(t -> t.startsWith("easy-")));

        Path again = dir.resolve("again");
        assertEquals(0, CliRunner.run("data", "spam", again.toString(), "--data", data.toString(),
                "--train-size", "10", "--test-size", "8").code());
        assertArrayEquals(Files.readAllBytes(out.resolve("train.jsonl")),
                Files.readAllBytes(again.resolve("train.jsonl")));
        assertArrayEquals(Files.readAllBytes(out.resolve("test.jsonl")),
                Files.readAllBytes(again.resolve("test.jsonl")));
    }

    @Test
    void spamBadInputIsOneLine(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope");
        CliRunner.Result r = CliRunner.run("data", "spam", dir.resolve("out").toString(), "--data", missing.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--data " + missing + " is not a folder")
                && r.err().contains("fetch-data.sh --spam"),
                r.err());
        assertTrue(!Files.exists(dir.resolve("out")), "nothing written before the checks pass");

        Path data = fakeSpamAssassin(dir.resolve("spam-assassin"), 2);
        r = CliRunner.run("data", "spam", dir.resolve("out").toString(), "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("1600 training + 3000 test e-mails requested, only 10 available"), r.err());

        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("x.txt"), "x");
        r = CliRunner.run("data", "spam", full.toString(), "--data", data.toString(), "--train-size", "2",
                "--test-size", "2");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("OUT " + full + " is not empty"), r.err());
    }

    /** The layout of data/spam-assassin: five folders of raw messages, {@code perFolder} each. */
    static Path fakeSpamAssassin(Path root, int perFolder) throws Exception {
        for (String folder : List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")) {
            Path f = Files.createDirectories(root.resolve(folder));
            for (int i = 0; i < perFolder; i++) {
                Files.writeString(f.resolve(String.format("%05d.txt", i)), "From: a@b.c\nSubject: " + folder + " "
                        + i + "\n\n<p>body of " + folder + " message " + i + " &amp; more</p>\n");
            }
        }
        return root;
    }

    private static List<JsonNode> rows(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = JSON.readTree(line);
            assertEquals(2, n.size(), line);
            out.add(n);
        }
        return out;
    }

    private static List<Path> pngs(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    private static List<String> names(Path dir) throws Exception {
        return pngs(dir).stream().map(p -> dir.relativize(p).toString()).toList();
    }
}
