package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads IDX files (MNIST's format: big-endian header, unsigned bytes), gzipped or not. Pixels are scaled to [0, 1]. */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    /** An image file and its label file as one dataset; {@code hint} is appended to "missing file" errors. */
    public static ArrayDataset read(String name, Path images, Path labels, int classes, String hint) {
        int[] y = readLabels(labels, hint);
        float[][] holder = new float[1][];
        int[] dims = readImages(images, hint, holder);
        if (dims[0] != y.length) {
            throw new FrostException(images + " holds " + dims[0] + " images but " + labels + " holds " + y.length
                    + " labels");
        }
        return new ArrayDataset(name, holder[0], y, new Shape(1, dims[1], dims[2]), classes);
    }

    static int[] readLabels(Path file, String hint) {
        try (DataInputStream in = open(file, hint)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new FrostException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int n = in.readInt();
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = raw[i] & 0xFF;
            }
            return out;
        } catch (EOFException e) {
            throw new FrostException(file + " is truncated: fewer labels than its header announces", e);
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns {count, rows, cols} and stores the scaled pixels in {@code out[0]}. */
    static int[] readImages(Path file, String hint, float[][] out) {
        try (DataInputStream in = open(file, hint)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new FrostException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE) {
                throw new FrostException(file + " has an implausible header: " + n + " images of " + rows + "x" + cols);
            }
            byte[] raw = new byte[n * rows * cols];
            in.readFully(raw);
            float[] px = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                px[i] = (raw[i] & 0xFF) / 255f;
            }
            out[0] = px;
            return new int[] {n, rows, cols};
        } catch (EOFException e) {
            throw new FrostException(file + " is truncated: fewer pixels than its header announces", e);
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file, String hint) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing data file " + file + (hint.isEmpty() ? "" : ": " + hint));
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        return new DataInputStream(raw);
    }
}
