package dev.frost.examples;

import dev.frost.data.ArrayDataset;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.Untrusted;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The 5,000 real MNIST digits of OpenCV's {@code digits.png}: a 2000x1000 grey image, a 100x50 grid of 20x20 cells,
 * 500 per digit, label = row / 5. Each cell is padded by 4 pixels to MNIST's 28x28; pixels are scaled to [0, 1].
 * The image's size is read from its header and checked before any pixel is decoded, so a damaged or hostile file
 * cannot make the decoder allocate a huge raster.
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
            return read(in, "embedded digits.png");
        } catch (IOException e) {
            throw new FrostException("cannot read embedded digits.png: " + Untrusted.reason(e), e);
        }
    }

    public static ArrayDataset read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing data file " + file + ": run scripts/fetch-data.sh --digits");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + Untrusted.reason(e), e);
        }
    }

    /** Checks the announced size, then decodes; {@code what} names the image in errors. */
    static ArrayDataset read(InputStream in, String what) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
            if (readers == null || !readers.hasNext()) {
                throw new FrostException(what + " is not a readable PNG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                checkSize(reader.getWidth(0), reader.getHeight(0), what);
                return decode(reader.read(0), what);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new FrostException(what + " is not a readable PNG image: " + Untrusted.reason(e), e);
        } catch (FrostException e) {
            throw e;
        } catch (RuntimeException e) {
            // ImageIO's decoders answer some damaged files with unchecked exceptions
            throw new FrostException(what + " is not a readable PNG image: " + Untrusted.reason(e), e);
        }
    }

    private static void checkSize(int width, int height, String what) {
        if (width != WIDTH || height != HEIGHT) {
            throw new FrostException(what + " is " + width + "x" + height + ", expected the " + WIDTH + "x" + HEIGHT
                    + " digits grid");
        }
    }

    static ArrayDataset decode(BufferedImage img, String what) {
        checkSize(img.getWidth(), img.getHeight(), what);
        if (img.getColorModel() instanceof IndexColorModel || img.getRaster().getSampleModel().getSampleSize(0) != 8) {
            // palette or 16-bit images: through Java2D to 8-bit grey, so that band 0 is a 0..255 intensity
            BufferedImage grey = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = grey.createGraphics();
            try {
                g.drawImage(img, 0, 0, null);
            } finally {
                g.dispose();
            }
            img = grey;
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
