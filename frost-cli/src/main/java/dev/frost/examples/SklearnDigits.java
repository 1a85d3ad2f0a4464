package dev.frost.examples;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * scikit-learn's 1,797 handwritten digits (the UCI optdigits test set, from Debian's {@code python3-sklearn};
 * {@code scripts/fetch-data.sh --sklearn} writes {@code data/sklearn/digits.csv}): 8x8 counts 0..16 and a label
 * per line. The demo's second target: each image is enlarged bilinearly to 16x16 and centred in 28x28, so a digit is
 * about as tall as the demo's MNIST digits (15 px); pixels are scaled to [0, 1].
 */
public final class SklearnDigits {
    public static final String FETCH = "run scripts/fetch-data.sh --sklearn";
    private static final int SRC = 8;
    private static final int UP = 16;
    private static final int SIDE = 28;
    private static final int MAX_LINES = 100_000;

    private SklearnDigits() {}

    /** The default file: {@code $FROST_DATA_DIR/sklearn/digits.csv}, else {@code data/sklearn/digits.csv}. */
    public static Path defaultFile() {
        String env = System.getenv("FROST_DATA_DIR");
        return Path.of(env != null ? env : "data").resolve("sklearn").resolve("digits.csv");
    }

    public static ArrayDataset read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing data file " + file + ": " + FETCH);
        }
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                if (n > MAX_LINES) {
                    throw new FrostException(file + " has more than " + MAX_LINES + " lines; expected scikit-learn's"
                            + " 1,797 digits");
                }
                String[] cells = line.split(",");
                if (cells.length != SRC * SRC + 1) {
                    throw new FrostException(file + " line " + n + ": " + cells.length + " values, expected "
                            + (SRC * SRC + 1) + " (64 pixels and a label)");
                }
                float[] px = new float[SRC * SRC];
                for (int i = 0; i < px.length; i++) {
                    px[i] = value(cells[i], 0, 16, file, n) / 16f;
                }
                labels.add((int) value(cells[SRC * SRC], 0, 9, file, n));
                images.add(enlarge(px));
            }
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new FrostException(file + " holds no digits: " + FETCH);
        }
        float[] x = new float[images.size() * SIDE * SIDE];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, x, i * SIDE * SIDE, SIDE * SIDE);
        }
        return new ArrayDataset("sklearn-digits", x, labels.stream().mapToInt(Integer::intValue).toArray(),
                new Shape(1, SIDE, SIDE), 10);
    }

    private static float value(String cell, int lo, int hi, Path file, int line) {
        float v;
        try {
            v = Float.parseFloat(cell.trim());
        } catch (NumberFormatException e) {
            throw new FrostException(file + " line " + line + ": '" + cell.trim() + "' is not a number");
        }
        if (!(v >= lo && v <= hi) || v != Math.rint(v)) {
            throw new FrostException(file + " line " + line + ": " + cell.trim() + " is not a whole number in " + lo
                    + ".." + hi);
        }
        return v;
    }

    /** 8x8 to 16x16 (pixel centres aligned, edges clamped), placed at the centre of 28x28. */
    static float[] enlarge(float[] px) {
        float[] out = new float[SIDE * SIDE];
        int pad = (SIDE - UP) / 2;
        for (int y = 0; y < UP; y++) {
            double sy = Math.min(Math.max((y + 0.5) * SRC / UP - 0.5, 0), SRC - 1);
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(y0 + 1, SRC - 1);
            double fy = sy - y0;
            for (int x = 0; x < UP; x++) {
                double sx = Math.min(Math.max((x + 0.5) * SRC / UP - 0.5, 0), SRC - 1);
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(x0 + 1, SRC - 1);
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * px[y0 * SRC + x0] + fx * px[y0 * SRC + x1])
                        + fy * ((1 - fx) * px[y1 * SRC + x0] + fx * px[y1 * SRC + x1]);
                out[(y + pad) * SIDE + x + pad] = (float) v;
            }
        }
        return out;
    }
}
