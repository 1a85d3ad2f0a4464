package dev.frost.examples;

import dev.frost.data.ArrayDataset;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The 5,000 real MNIST digits of OpenCV's {@code digits.png}: a 2000x1000 grey image, a 100x50 grid of 20x20 cells,
 * 500 per digit, label = row / 5. Each cell is padded by 4 pixels to MNIST's 28x28; pixels are scaled to [0, 1].
 */
public final class DigitsGrid {
    public static final int CELL = 20;
    public static final int PAD = 4;
    public static final int WIDTH = 2000;
    public static final int HEIGHT = 1000;
    private static final String RESOURCE = "/frost/data/digits.png";

    private DigitsGrid() {}

    /** The copy embedded in Frost. */
    public static ArrayDataset embedded() {
        try (InputStream in = DigitsGrid.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new FrostException("embedded digits.png is missing from the classpath: rebuild Frost, or run"
                        + " scripts/fetch-data.sh --digits and pass --digits data/digits/digits.png");
            }
            return decode(ImageIO.read(in), "embedded digits.png");
        } catch (IOException e) {
            throw new FrostException("cannot read embedded digits.png: " + e.getMessage(), e);
        }
    }

    public static ArrayDataset read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing data file " + file + ": run scripts/fetch-data.sh --digits");
        }
        try (InputStream in = Files.newInputStream(file)) {
            BufferedImage img = ImageIO.read(in);
            if (img == null) {
                throw new FrostException(file + " is not a readable PNG image");
            }
            return decode(img, file.toString());
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static ArrayDataset decode(BufferedImage img, String what) {
        if (img.getWidth() != WIDTH || img.getHeight() != HEIGHT) {
            throw new FrostException(what + " is " + img.getWidth() + "x" + img.getHeight() + ", expected the "
                    + WIDTH + "x" + HEIGHT + " digits grid");
        }
        Raster r = img.getRaster();
        int cols = WIDTH / CELL;
        int rows = HEIGHT / CELL;
        int side = CELL + 2 * PAD;
        int n = cols * rows;
        float[] x = new float[n * side * side];
        int[] y = new int[n];
        int[] pixel = new int[r.getNumBands()];
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                int i = row * cols + col;
                y[i] = row / 5;
                for (int py = 0; py < CELL; py++) {
                    for (int px = 0; px < CELL; px++) {
                        r.getPixel(col * CELL + px, row * CELL + py, pixel);
                        x[i * side * side + (py + PAD) * side + px + PAD] = pixel[0] / 255f;
                    }
                }
            }
        }
        return new ArrayDataset("digits", x, y, new Shape(1, side, side), 10);
    }
}
