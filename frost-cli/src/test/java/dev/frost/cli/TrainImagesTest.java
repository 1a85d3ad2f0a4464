package dev.frost.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost train / evaluate / predict on a folder of synthetic shapes with a cnn, then a pretrained base from it. */
class TrainImagesTest {
    /** {@code root/<circle|square|bar>/i.png}: grey 28x28 shapes at random positions and sizes. */
    static Path shapes(Path root, int perClass, long seed) throws Exception {
        Random r = new Random(seed);
        for (String c : List.of("bar", "circle", "square")) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(Color.WHITE);
                int s = 10 + r.nextInt(8);
                int x = r.nextInt(28 - s);
                int y = r.nextInt(28 - s);
                switch (c) {
                    case "bar" -> g.fillRect(2, y, 24, 3);
                    case "circle" -> g.fillOval(x, y, s, s);
                    default -> g.drawRect(x, y, s, s);
                }
                g.dispose();
                ImageIO.write(img, "png", root.resolve(c).resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    static String config(Path train, Path run, String model, String strategy, int epochs) {
        return "run: {dir: " + run + "}\n"
                + "data: {type: images, train: " + train + ", split: {valid: 0.2},"
                + " images: {height: 28, width: 28, channels: 1}}\n"
                + "model: " + model + "\n"
                + "strategy: " + strategy + "\n"
                + "trainer: {epochs: " + epochs + ", batch_size: 16, lr: 0.01, progress_bar: false}\n";
    }

    @Test
    void cnnOnShapesThenPretrainedBaseWithReport(@TempDir Path dir) throws Exception {
        Path train = shapes(dir.resolve("train"), 24, 1);
        Path test = shapes(dir.resolve("test"), 8, 2);
        Path run = dir.resolve("run");
        Path cfg = Files.writeString(dir.resolve("img.yaml"),
                config(train, run, "{type: cnn, channels: [8, 16]}", "{type: full}", 4));
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run("train", cfg.toString());
        System.out.printf("images cnn train: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err() + r.out());
        r = CliRunner.run("evaluate", run.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc > 0.5, "test accuracy " + acc + " (chance 0.33)");
        Path pred = dir.resolve("pred.csv");
        r = CliRunner.run("predict", run.toString(), "--data", test.toString(), "--out", pred.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = Files.readAllLines(pred);
        assertEquals("id,prediction,p_bar,p_circle,p_square", rows.get(0));
        assertEquals(25, rows.size());
        assertTrue(rows.get(1).startsWith("bar/0.png,"), rows.get(1));
        // images to predict need no class folders: a flat folder gives the same probabilities per image
        Path flat = Files.createDirectories(dir.resolve("flat"));
        Files.copy(test.resolve("bar/0.png"), flat.resolve("first.png"));
        Path pred2 = dir.resolve("pred2.csv");
        r = CliRunner.run("predict", run.toString(), "--data", flat.toString(), "--out", pred2.toString());
        assertEquals(0, r.code(), r.err());
        List<String> flatRows = Files.readAllLines(pred2);
        assertEquals(2, flatRows.size());
        assertEquals(rows.get(1).substring(rows.get(1).indexOf(',')), flatRows.get(1).substring(
                flatRows.get(1).indexOf(',')), "same image, same prediction");

        // the trained cnn as a pretrained base: cut after global pooling, new head, fastai fine-tune
        Path run2 = dir.resolve("transfer");
        String base = "{type: pretrained, base: {type: cnn, channels: [8, 16], classes: 3, checkpoint: "
                + run.resolve("checkpoints/train") + "}, cut_after: gap, head: {hidden: [8]}}";
        r = CliRunner.run("train", Files.writeString(dir.resolve("t.yaml"), config(train, run2, base,
                "{type: fine-tune, freeze_epochs: 2}", 2)).toString());
        assertEquals(0, r.code(), r.err() + r.out());
        String html = Files.readString(run2.resolve("report.html"));
        assertFalse(html.contains("http://") || html.contains("https://"), "self-contained");
        assertFalse(html.contains("<script") || html.contains("<link") || html.contains("src="), "nothing fetched");
        assertTrue(html.matches("(?s).*<polyline[^>]*points=\"[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+.*"), "a curve");
        assertTrue(html.contains("class=\"frozen\""), "the freeze timeline shows frozen spans");
        assertTrue(html.contains("freezing saved"), "the savings line");
        assertTrue(html.contains("N (frozen)") && html.contains("head_out"), "summary with the trainable column");
        assertTrue(html.contains("cut_after: gap"), "the config");
    }

    /** Renders a report with headless Chromium when it is installed; skipped (with the reason) otherwise. */
    @Test
    void reportRendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(chromium),
                "no /usr/bin/chromium on this machine: the report's rendering test is skipped");
        Path train = shapes(dir.resolve("train"), 8, 1);
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", Files.writeString(dir.resolve("c.yaml"), config(train, run,
                "{type: cnn, channels: [4, 8]}", "{type: feature-extraction}", 2)).toString());
        assertEquals(0, r.code(), r.err());
        Path report = run.resolve("report.html");
        Path png = dir.resolve("report.png");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("chrome"), "--screenshot=" + png, report.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chrome.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertTrue(Files.size(png) > 10_000, "a non-trivial screenshot");
    }
}
