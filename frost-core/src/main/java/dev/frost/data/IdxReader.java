package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.Untrusted;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (MNIST's format: big-endian header, unsigned bytes), gzipped or not. Pixels are scaled to [0, 1].
 * The header is checked against the file's size (plain files) before anything is allocated, and data is read in
 * chunks (gzipped files), so that a small damaged file never causes a large allocation.
 */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    /** The most values one file may hold (a Java array's limit). */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    private static final int CHUNK = 1 << 20;

    private IdxReader() {}

    /** An image file and its label file as one dataset; {@code hint} is appended to "missing file" errors. */
    public static ArrayDataset read(String name, Path images, Path labels, int classes, String hint) {
        int[] y = readLabels(labels, hint);
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= classes) {
                throw new FrostException(labels + " holds label " + y[i] + " at index " + i + ", outside the "
                        + classes + " classes 0.." + (classes - 1));
            }
        }
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
            int magic = readHeaderInt(in, file);
            if (magic != LABELS_MAGIC) {
                throw new FrostException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int n = readHeaderInt(in, file);
            if (n <= 0) {
                throw new FrostException(file + " has an implausible header: " + n + " labels");
            }
            byte[] raw = readBody(in, file, 8, n, "labels");
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = raw[i] & 0xFF;
            }
            return out;
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + Untrusted.reason(e), e);
        }
    }

    /** Returns {count, rows, cols} and stores the scaled pixels in {@code out[0]}. */
    static int[] readImages(Path file, String hint, float[][] out) {
        try (DataInputStream in = open(file, hint)) {
            int magic = readHeaderInt(in, file);
            if (magic != IMAGES_MAGIC) {
                throw new FrostException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int n = readHeaderInt(in, file);
            int rows = readHeaderInt(in, file);
            int cols = readHeaderInt(in, file);
            if (n <= 0 || rows <= 0 || cols <= 0 || (long) rows * cols > MAX_VALUES
                    || (long) n * rows * cols > MAX_VALUES) {
                throw new FrostException(file + " has an implausible header: " + n + " images of " + rows + "x" + cols);
            }
            byte[] raw = readBody(in, file, 16, n * rows * cols, "pixels");
            float[] px = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                px[i] = (raw[i] & 0xFF) / 255f;
            }
            out[0] = px;
            return new int[] {n, rows, cols};
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + Untrusted.reason(e), e);
        }
    }

    private static int readHeaderInt(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new FrostException(file + " is truncated: its IDX header is incomplete", e);
        }
    }

    /**
     * Exactly {@code count} bytes after a header of {@code headerBytes}, and then the end of the data. A plain file's
     * size is checked first; a gzipped one is read in chunks, so memory follows the data actually present.
     */
    private static byte[] readBody(InputStream in, Path file, long headerBytes, int count, String what)
            throws IOException {
        boolean gz = isGzip(file);
        if (!gz) {
            long size = Files.size(file);
            if (size - headerBytes < count) {
                throw new FrostException(file + " is truncated: its header announces " + count + " " + what + " but"
                        + " it holds " + Math.max(0, size - headerBytes));
            }
        }
        byte[] raw;
        try {
            raw = gz ? readChunked(in, count) : in.readNBytes(count);
        } catch (EOFException | ZipException e) {
            throw new FrostException(file + " is not a readable gzip file: " + Untrusted.reason(e), e);
        }
        if (raw.length < count) {
            throw new FrostException(file + " is truncated: its header announces " + count + " " + what + " but it"
                    + " holds " + raw.length);
        }
        try {
            if (in.read() != -1) {
                throw new FrostException(file + " has data after the " + count + " " + what + " its header announces:"
                        + " the header or the file is damaged");
            }
        } catch (EOFException | ZipException e) {
            throw new FrostException(file + " is not a readable gzip file: " + Untrusted.reason(e), e);
        }
        return raw;
    }

    /** Up to {@code count} bytes, the buffer growing with the data (never more than twice what was read). */
    private static byte[] readChunked(InputStream in, int count) throws IOException {
        byte[] buf = new byte[Math.min(count, CHUNK)];
        int have = 0;
        while (have < count) {
            if (have == buf.length) {
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(count, 2L * buf.length));
            }
            int r = in.read(buf, have, buf.length - have);
            if (r < 0) {
                break;
            }
            have += r;
        }
        return have == buf.length ? buf : java.util.Arrays.copyOf(buf, have);
    }

    private static boolean isGzip(Path file) {
        return file.getFileName().toString().endsWith(".gz");
    }

    private static DataInputStream open(Path file, String hint) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing data file " + file + (hint.isEmpty() ? "" : ": " + hint));
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (isGzip(file)) {
            try {
                raw = new GZIPInputStream(raw, 1 << 16);
            } catch (EOFException | ZipException e) {
                raw.close();
                throw new FrostException(file + " is not a readable gzip file: " + Untrusted.reason(e), e);
            }
        }
        return new DataInputStream(raw);
    }
}
