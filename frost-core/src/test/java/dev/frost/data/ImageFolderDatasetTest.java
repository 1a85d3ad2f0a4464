package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderDatasetTest {

    private static void image(Path file, int w, int h, Color color, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, w, h);
        g.dispose();
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()), "no writer for " + format);
    }

    /** a_red: two PNGs and a JPEG in a sub-folder; b_green: one PNG; c_blue: one BMP. Plus files to ignore. */
    private static Path folder(Path dir) throws IOException {
        Path root = dir.resolve("images");
        image(root.resolve("c_blue/x.bmp"), 5, 7, Color.BLUE, "bmp");
        image(root.resolve("a_red/2.png"), 8, 6, Color.RED, "png");
        image(root.resolve("a_red/1.PNG"), 3, 3, Color.RED, "png");
        image(root.resolve("a_red/sub/0.jpg"), 16, 16, Color.RED, "jpg");
        image(root.resolve("a_red/.hidden.png"), 3, 3, Color.BLUE, "png");
        image(root.resolve("b_green/g.png"), 10, 10, Color.GREEN, "png");
        Files.writeString(root.resolve("a_red/notes.txt"), "not an image");
        Files.writeString(root.resolve("README.md"), "a file beside the class folders");
        return root;
    }

    private static float[] read(Dataset d, int i) {
        float[] v = new float[(int) d.exampleShape().size()];
        d.readFeatures(i, v, 0);
        return v;
    }

    private static void assertAll(float[] v, int from, int to, float expected, float tol) {
        for (int i = from; i < to; i++) {
            assertEquals(expected, v[i], tol, "value " + i);
        }
    }

    @Test
    void classesFilesResizeChannelsAndNormalizationFollowKerasConventions(@TempDir Path dir) throws IOException {
        Path root = folder(dir);
        ImageFolderDataset d = ImageFolderDataset.builder(root).optSize(4, 5).build();
        assertEquals(List.of("a_red", "b_green", "c_blue"), d.classNames());
        assertEquals(5, d.size());
        assertEquals(new Shape(3, 4, 5), d.exampleShape());
        assertEquals(LabelKind.CLASS, d.labelKind());
        assertEquals(3, d.labelWidth());
        assertEquals(List.of("1.PNG", "2.png", "0.jpg", "g.png", "x.bmp"),
                Arrays.stream(new int[] {0, 1, 2, 3, 4}).mapToObj(i -> d.file(i).getFileName().toString()).toList());
        assertArrayEquals(new int[] {0, 0, 0, 1, 2}, Arrays.stream(new int[] {0, 1, 2, 3, 4}).map(d::label).toArray());
        float[] y = new float[1];
        d.readLabel(4, y, 0);
        assertEquals(2f, y[0]);

        float[] red = read(d, 1);
        assertAll(red, 0, 20, 1f, 0f);
        assertAll(red, 20, 60, 0f, 0f);
        float[] jpeg = read(d, 2);
        assertAll(jpeg, 0, 20, 1f, 0.03f);
        assertAll(jpeg, 20, 60, 0f, 0.03f);
        float[] blue = read(d, 4);
        assertAll(blue, 0, 40, 0f, 0f);
        assertAll(blue, 40, 60, 1f, 0f);

        ImageFolderDataset grey = ImageFolderDataset.builder(root).optSize(2, 2).optChannels(1).build();
        assertEquals(new Shape(1, 2, 2), grey.exampleShape());
        assertAll(read(grey, 0), 0, 4, 0.299f, 1e-3f);
        assertAll(read(grey, 3), 0, 4, 0.587f, 1e-3f);

        ImageFolderDataset norm = ImageFolderDataset.builder(root).optSize(2, 2)
                .optNormalization(new float[] {0.5f, 0.5f, 0.25f}, new float[] {0.25f, 0.5f, 0.5f}).build();
        float[] n = read(norm, 0);
        assertAll(n, 0, 4, 2f, 1e-6f);
        assertAll(n, 4, 8, -1f, 1e-6f);
        assertAll(n, 8, 12, -0.5f, 1e-6f);
        FrostException e = assertThrows(FrostException.class, () -> ImageFolderDataset.builder(root).optChannels(1)
                .optNormalization(new float[] {0, 0, 0}, new float[] {1, 1, 1}).build());
        assertTrue(e.getMessage().contains("3 means") && e.getMessage().contains("1 channel"), e.getMessage());
    }

    @Test
    void greyImagesKeepTheirValuesAndResizeIsBilinear(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("g");
        BufferedImage g = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int yy = 0; yy < 4; yy++) {
            for (int xx = 0; xx < 4; xx++) {
                g.getRaster().setSample(xx, yy, 0, 100);
            }
        }
        Files.createDirectories(root.resolve("k"));
        ImageIO.write(g, "png", root.resolve("k/grey.png").toFile());
        BufferedImage ramp = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        ramp.setRGB(0, 0, 0x000000);
        ramp.setRGB(1, 0, 0xFFFFFF);
        ImageIO.write(ramp, "png", root.resolve("k/ramp.png").toFile());

        ImageFolderDataset d = ImageFolderDataset.builder(root).optSize(1, 8).optChannels(1).build();
        assertAll(read(d, 0), 0, 8, 100 / 255f, 1.5f / 255);
        float[] r = read(d, 1);
        boolean between = false;
        for (int i = 0; i < 8; i++) {
            assertTrue(i == 0 || r[i] >= r[i - 1] - 1e-6f, "ramp not monotone: " + Arrays.toString(r));
            between |= r[i] > 0.05f && r[i] < 0.95f;
        }
        assertTrue(r[0] < 0.05f && r[7] > 0.95f && between, "not a bilinear ramp: " + Arrays.toString(r));
    }

    @Test
    void corruptImagesFailNamingTheFileOrAreSkipped(@TempDir Path dir) throws IOException {
        Path root = folder(dir);
        Files.write(root.resolve("b_green/broken.png"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] png = Files.readAllBytes(root.resolve("b_green/g.png"));
        Files.write(root.resolve("b_green/cut.png"), Arrays.copyOf(png, png.length / 2));

        ImageFolderDataset fail = ImageFolderDataset.builder(root).optSize(4, 4).build();
        assertEquals(7, fail.size());
        int broken = -1;
        for (int i = 0; i < fail.size(); i++) {
            if (fail.file(i).getFileName().toString().equals("broken.png")) {
                broken = i;
            }
        }
        int at = broken;
        FrostException e = assertThrows(FrostException.class, () -> read(fail, at));
        assertTrue(e.getMessage().contains("broken.png") && !e.getMessage().contains("\n"), e.getMessage());

        ImageFolderDataset skip = ImageFolderDataset.builder(root).optSize(4, 4)
                .optOnCorrupt(ImageFolderDataset.OnCorrupt.SKIP).build();
        assertEquals(5, skip.size());
        assertEquals(3, skip.labelWidth());
        for (int i = 0; i < skip.size(); i++) {
            read(skip, i);
            assertFalse(skip.file(i).getFileName().toString().matches("broken.png|cut.png"));
        }
        assertNotEquals(fail.fingerprint(), skip.fingerprint(), "the files kept are part of the fingerprint");
        // a class folder that is a symbolic link is read through it
        Path linked = Files.createDirectories(dir.resolve("linked"));
        Files.createSymbolicLink(linked.resolve("a_red"), root.resolve("a_red"));
        Files.createSymbolicLink(linked.resolve("b_green"), root.resolve("b_green"));
        ImageFolderDataset viaLinks = ImageFolderDataset.builder(linked).optSize(4, 4)
                .optOnCorrupt(ImageFolderDataset.OnCorrupt.SKIP).build();
        assertEquals(2, viaLinks.labelWidth());
        assertTrue(viaLinks.file(0).startsWith(linked), "paths stay under the link: " + viaLinks.file(0));
        read(viaLinks, 0);
        // a class whose every image is corrupt is refused, as an empty class folder is
        for (Path p : Files.list(root.resolve("b_green")).toList()) {
            if (!p.getFileName().toString().matches("broken.png|cut.png")) {
                Files.delete(p);
            }
        }
        e = assertThrows(FrostException.class, () -> ImageFolderDataset.builder(root).optSize(4, 4)
                .optOnCorrupt(ImageFolderDataset.OnCorrupt.SKIP).build());
        assertTrue(e.getMessage().contains("b_green holds no image that decodes"), e.getMessage());
    }

    @Test
    void folderErrorsNameTheProblem(@TempDir Path dir) throws IOException {
        FrostException e = assertThrows(FrostException.class,
                () -> ImageFolderDataset.builder(dir.resolve("nowhere")).build());
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"), e.getMessage());

        Path flat = Files.createDirectories(dir.resolve("flat"));
        image(flat.resolve("a.png"), 2, 2, Color.RED, "png");
        e = assertThrows(FrostException.class, () -> ImageFolderDataset.builder(flat).build());
        assertTrue(e.getMessage().contains("no class folders"), e.getMessage());

        Path root = folder(dir);
        Files.createDirectories(root.resolve("d_empty"));
        Files.writeString(root.resolve("d_empty/readme.txt"), "no images here");
        e = assertThrows(FrostException.class, () -> ImageFolderDataset.builder(root).build());
        assertTrue(e.getMessage().contains("d_empty") && e.getMessage().contains("holds no images"), e.getMessage());
    }

    @Test
    void fingerprintIsStableRememberedAndFollowsContentAndOptions(@TempDir Path dir) throws IOException {
        Path root = folder(dir);
        long a = ImageFolderDataset.builder(root).optSize(4, 4).build().fingerprint();
        assertTrue(Files.isRegularFile(root.resolve(Fingerprints.SUFFIX)), "folder sidecar written");
        Fingerprints.forgetMemory();
        long before = Fingerprints.HASHED_BYTES.get();
        assertEquals(a, ImageFolderDataset.builder(root).optSize(4, 4).build().fingerprint());
        assertEquals(before, Fingerprints.HASHED_BYTES.get(), "an unchanged folder is not read again");
        assertNotEquals(a, ImageFolderDataset.builder(root).optSize(4, 5).build().fingerprint());
        image(root.resolve("b_green/h.png"), 3, 3, Color.GREEN, "png");
        assertNotEquals(a, ImageFolderDataset.builder(root).optSize(4, 4).build().fingerprint());
    }

    @Test
    void colouredImagesTrainToPerfectAccuracy(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("colours");
        java.util.Random rng = new java.util.Random(3);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 6; i++) {
                int shade = 120 + rng.nextInt(136);
                Color col = new Color(c == 0 ? shade : rng.nextInt(60), c == 1 ? shade : rng.nextInt(60),
                        c == 2 ? shade : rng.nextInt(60));
                image(root.resolve("c" + c + "/" + i + ".png"), 6 + i, 5 + i, col, "png");
            }
        }
        ImageFolderDataset d = ImageFolderDataset.builder(root).optSize(6, 6).build();
        TrainConfig config = TrainConfig.builder().setEpochs(40).optBatchSize(6).optLearningRate(0.05)
                .optProgressBar(false).optMeasureFullStep(false).build();
        try (FrostModel model = FrostModel.builder(new Shape(3, 6, 6)).optSeed(1)
                .addGroup("head", Layers.flatten("flat"), Layers.linear("out", 3)).build()) {
            Trainer t = new Trainer(model, new AdamW(), config);
            t.fit(d, null);
            assertEquals(1.0, t.evaluate(d).accuracy(), 1e-9);
        }
    }
}
