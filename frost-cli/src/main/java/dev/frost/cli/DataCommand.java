package dev.frost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Splits;
import dev.frost.examples.DigitsGrid;
import dev.frost.examples.DigitsTransfer;
import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code frost data}: the bundled example data written as ordinary files, so {@code frost train} can read them as a
 * user's own data (image folders, JSON lines) with exactly the splits the demo and the benchmarks use.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Write example data as files for frost train (see examples/*.yaml).",
        subcommands = {DataCommand.Digits.class, DataCommand.Spam.class})
public final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "digits", mixinStandardHelpOptions = true,
            description = "The 5,000 embedded handwritten digits as grey 28x28 PNGs in OUT/{train,valid,test}/<digit>/,"
                    + " split as the demo's first seed (50 per class train, 50 validation, the rest test).")
    static final class Digits implements Runnable {
        @Parameters(index = "0", paramLabel = "OUT", description = "Output folder (must be empty or absent).")
        Path out;

        @Option(names = "--seed", defaultValue = "1000", description = "Split seed (default ${DEFAULT-VALUE}, the"
                + " demo's first seed).")
        long seed;

        @Override
        public void run() {
            emptyFolder(out);
            ArrayDataset digits = DigitsGrid.embedded();
            Splits.Indices ix = Splits.stratifiedIndices(digits, DigitsTransfer.TRAIN_PER_CLASS,
                    DigitsTransfer.VALID_PER_CLASS, seed);
            int n = write(digits, ix.train(), out.resolve("train")) + write(digits, ix.valid(), out.resolve("valid"))
                    + write(digits, ix.test(), out.resolve("test"));
            System.out.printf(Locale.ROOT, "wrote %,d digits to %s: train %d, valid %d, test %d (seed %d)%n", n, out,
                    ix.train().length, ix.valid().length, ix.test().length, seed);
        }

        /** Each example as {@code dir/<label>/<index in the embedded set>.png}: stable names, traceable to the grid. */
        private static int write(ArrayDataset data, int[] indices, Path dir) {
            Path file = dir;
            try {
                for (int c = 0; c < data.classes(); c++) {
                    Files.createDirectories(dir.resolve(Integer.toString(c)));
                }
                for (int i : indices) {
                    file = dir.resolve(Integer.toString(data.label(i)))
                            .resolve(String.format(Locale.ROOT, "%04d.png", i));
                    if (!ImageIO.write(grey(data, i), "png", file.toFile())) {
                        throw new IOException("no PNG writer");
                    }
                }
            } catch (IOException e) {
                throw new FrostException("cannot write " + file + ": " + e.getMessage(), e);
            }
            return indices.length;
        }

        /** The embedded values are 8-bit intensities / 255, so an 8-bit grey PNG holds them exactly. */
        static BufferedImage grey(ArrayDataset data, int index) {
            int h = (int) data.exampleShape().get(1);
            int w = (int) data.exampleShape().get(2);
            float[] x = data.example(index);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            WritableRaster r = img.getRaster();
            for (int y = 0; y < h; y++) {
                for (int px = 0; px < w; px++) {
                    r.setSample(px, y, 0, Math.round(Math.max(0f, Math.min(1f, x[y * w + px])) * 255f));
                }
            }
            return img;
        }
    }

    @Command(name = "spam", mixinStandardHelpOptions = true,
            description = "The SpamAssassin e-mails as OUT/train.jsonl and OUT/test.jsonl ({\"text\": ..., \"label\":"
                    + " \"spam\"|\"ham\"}), split exactly as frost bench minilm and frost bench lora.")
    static final class Spam implements Runnable {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Parameters(index = "0", paramLabel = "OUT", description = "Output folder (must be empty or absent).")
        Path out;

        @Option(names = "--data", description = "SpamAssassin folder (default data/spam-assassin).")
        Path data;

        @Option(names = "--train-size", defaultValue = "1600",
                description = "Training e-mails (default ${DEFAULT-VALUE}).")
        int trainSize;

        @Option(names = "--test-size", defaultValue = "3000", description = "Test e-mails (default ${DEFAULT-VALUE}).")
        int testSize;

        @Override
        public void run() {
            CliChecks.atLeast("--train-size", trainSize, 1);
            CliChecks.atLeast("--test-size", testSize, 1);
            Path dir = data != null ? data : SpamAssassin.defaultDir();
            if (!Files.isDirectory(dir)) {
                throw new FrostException("--data " + dir + " is not a folder: " + SpamAssassin.FETCH);
            }
            emptyFolder(out);
            // the benchmarks' split seed (SpamFineTune/SpamLora options), so the files hold their exact split
            SpamFineTune.Emails e = SpamFineTune.shuffle(SpamAssassin.load(dir), trainSize, testSize,
                    SpamFineTune.Options.defaults().seed());
            write(e.train(), out.resolve("train.jsonl"));
            write(e.test(), out.resolve("test.jsonl"));
            System.out.printf(Locale.ROOT, "wrote %s/train.jsonl (%d e-mails, %d spam) and test.jsonl (%d, %d spam)%n",
                    out, e.train().size(), spam(e.train()), e.test().size(), spam(e.test()));
        }

        private static long spam(List<SpamAssassin.Email> emails) {
            return emails.stream().filter(m -> m.label() == 1).count();
        }

        private static void write(List<SpamAssassin.Email> emails, Path file) {
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (SpamAssassin.Email m : emails) {
                    Map<String, String> row = new LinkedHashMap<>();
                    row.put("text", m.text());
                    row.put("label", m.label() == 1 ? "spam" : "ham");
                    w.write(JSON.writeValueAsString(row));
                    w.write('\n');
                }
            } catch (IOException e) {
                throw new FrostException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** OUT may be absent or an empty folder: never mix a new split into old files. */
    static void emptyFolder(Path out) {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new FrostException("OUT " + out + " is a file; give a new or empty folder");
            }
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new FrostException("OUT " + out + " is not empty; give a new or empty folder");
                }
            } catch (IOException e) {
                throw new FrostException("OUT " + out + " cannot be read: " + e.getMessage(), e);
            }
        }
        CliChecks.writableFolder("OUT", out);
    }
}
