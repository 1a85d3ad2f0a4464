package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A dataset in a file, memory-mapped: examples are read from the page cache on demand, so a set far larger than
 * the heap trains. Reads use absolute gets on read-only buffers, so concurrent reads are safe.
 *
 * <h2>File format (version 1, all numbers little-endian)</h2>
 * <pre>
 * offset  size  field
 *  0      8     magic "FROSTDS1"
 *  8      4     int32 format version (1)
 * 12      4     int32 header length H in bytes (a multiple of 8; records start at H)
 * 16      8     int64 example count N (the streaming writer fills it in last)
 * 24      4     int32 label kind: 0 class id, 1 multi-label, 2 regression
 * 28      4     int32 label width (classes, labels or targets)
 * 32      4     int32 rank r of the example shape, then r x int64 dimensions
 *         4     int32 side input count s, then per side input: int32 name length, UTF-8 name, int32 rank,
 *               rank x int64 dimensions
 *               zero padding up to H
 * H             N records, each of float32 values: the features, then each side input in header order, then the
 *               label (1 value, the class id, for class labels; otherwise width values)
 * </pre>
 * Records are stored example by example so that a writer can stream them without knowing the count in advance, and
 * one example is one contiguous read. The file must be exactly {@code H + N * recordBytes} long.
 */
public final class MappedDataset implements Dataset {
    static final byte[] MAGIC = "FROSTDS1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int FIXED_HEADER = 32;
    private static final int MAX_HEADER = 1 << 20;
    private static final int MAX_RANK = 8;
    private static final int MAX_SIDE_INPUTS = 64;
    /** Record floats are capped so one record (1 GiB) always fits one mapped buffer. */
    static final long MAX_RECORD_FLOATS = 1L << 28;
    private static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final String name;
    private final Layout layout;
    private final int count;
    private final int recordsPerChunk;
    private final FloatBuffer[] chunks;
    private volatile long fingerprint;

    /** What a header describes; {@code sideOffsets} are float offsets of each side input within a record. */
    record Layout(Shape exampleShape, Map<String, Shape> side, LabelKind kind, int width) {
        int exampleSize() {
            return (int) exampleShape.size();
        }

        int labelValues() {
            return kind == LabelKind.CLASS ? 1 : width;
        }

        long recordFloats() {
            long n = exampleShape.size() + labelValues();
            for (Shape s : side.values()) {
                n += s.size();
            }
            return n;
        }

        int sideOffset(String sideName) {
            int at = exampleSize();
            for (Map.Entry<String, Shape> e : side.entrySet()) {
                if (e.getKey().equals(sideName)) {
                    return at;
                }
                at += (int) e.getValue().size();
            }
            return -1;
        }
    }

    private MappedDataset(Path file, String name, Layout layout, int count, int recordsPerChunk,
                          FloatBuffer[] chunks) {
        this.file = file;
        this.name = name;
        this.layout = layout;
        this.count = count;
        this.recordsPerChunk = recordsPerChunk;
        this.chunks = chunks;
    }

    /** Opens a dataset file; its name is the file name without extension. */
    public static MappedDataset open(Path file) {
        String base = file.getFileName().toString();
        int dot = base.lastIndexOf('.');
        return open(file, dot > 0 ? base.substring(0, dot) : base);
    }

    /** Opens a dataset file under the given name, after checking its header against its size. */
    public static MappedDataset open(Path file, String name) {
        return open(file, name, DEFAULT_CHUNK_BYTES);
    }

    /** {@code maxChunkBytes}: the most bytes one mapped buffer covers (tests make it small to use many). */
    static MappedDataset open(Path file, String name, long maxChunkBytes) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("missing dataset file " + file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < FIXED_HEADER) {
                throw new FrostException(file + " is truncated: " + size + " bytes, shorter than a FROSTDS1 header");
            }
            ByteBuffer fixed = readFully(ch, 0, FIXED_HEADER);
            byte[] magic = new byte[MAGIC.length];
            fixed.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new FrostException(file + " is not a Frost dataset file (it does not start with FROSTDS1)");
            }
            int version = fixed.getInt(8);
            if (version != VERSION) {
                throw new FrostException(file + " has dataset format version " + version + "; this Frost reads "
                        + VERSION);
            }
            int headerBytes = fixed.getInt(12);
            if (headerBytes < FIXED_HEADER + 8 || headerBytes > MAX_HEADER || headerBytes % 8 != 0) {
                throw new FrostException(file + " has an implausible header length " + headerBytes);
            }
            if (headerBytes > size) {
                throw new FrostException(file + " is truncated: " + size + " bytes, shorter than its "
                        + headerBytes + "-byte header");
            }
            ByteBuffer header = readFully(ch, 0, headerBytes);
            long n = header.getLong(16);
            Layout layout = parseLayout(file, header);
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new FrostException(file + " has an implausible example count " + n);
            }
            long recordBytes = layout.recordFloats() * 4;
            long expected = headerBytes + n * recordBytes;
            if (size < expected) {
                throw new FrostException(file + " is truncated: its header announces " + n + " examples of "
                        + recordBytes + " bytes (" + expected + " bytes in all) but the file has " + size);
            }
            if (size > expected) {
                throw new FrostException(file + " has " + (size - expected) + " bytes after its " + n
                        + " examples: corrupt, or still being written");
            }
            int perChunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxChunkBytes / recordBytes));
            int chunkCount = (int) ((n + perChunk - 1) / perChunk);
            FloatBuffer[] chunks = new FloatBuffer[chunkCount];
            for (int c = 0; c < chunkCount; c++) {
                long first = (long) c * perChunk;
                long records = Math.min(perChunk, n - first);
                chunks[c] = ch.map(FileChannel.MapMode.READ_ONLY, headerBytes + first * recordBytes,
                        records * recordBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            }
            return new MappedDataset(file, name, layout, (int) n, perChunk, chunks);
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Layout parseLayout(Path file, ByteBuffer h) {
        try {
            h.position(24);
            int kindId = h.getInt();
            if (kindId < 0 || kindId >= LabelKind.values().length) {
                throw new FrostException(file + " has an unknown label kind " + kindId);
            }
            LabelKind kind = LabelKind.values()[kindId];
            int width = h.getInt();
            if (width <= 0 || width > (1 << 24)) {
                throw new FrostException(file + " has an implausible label width " + width);
            }
            Shape shape = readShape(file, h, "example");
            int sides = h.getInt();
            if (sides < 0 || sides > MAX_SIDE_INPUTS) {
                throw new FrostException(file + " has an implausible side input count " + sides);
            }
            Map<String, Shape> side = new LinkedHashMap<>();
            for (int i = 0; i < sides; i++) {
                int len = h.getInt();
                if (len <= 0 || len > 256) {
                    throw new FrostException(file + " has an implausible side input name length " + len);
                }
                byte[] nameBytes = new byte[len];
                h.get(nameBytes);
                String sideName = new String(nameBytes, StandardCharsets.UTF_8);
                side.put(sideName, readShape(file, h, "side input '" + sideName + "'"));
            }
            Layout layout = new Layout(shape, Collections.unmodifiableMap(side), kind, width);
            if (layout.recordFloats() > MAX_RECORD_FLOATS) {
                throw new FrostException(file + " has implausibly large examples: " + layout.recordFloats()
                        + " floats each");
            }
            return layout;
        } catch (BufferUnderflowException e) {
            throw new FrostException(file + " has a corrupt header: its fields run past the header length", e);
        }
    }

    private static Shape readShape(Path file, ByteBuffer h, String what) {
        int rank = h.getInt();
        if (rank < 1 || rank > MAX_RANK) {
            throw new FrostException(file + " has an implausible rank " + rank + " for the " + what + " shape");
        }
        long[] dims = new long[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = h.getLong();
            if (dims[i] <= 0 || dims[i] > MAX_RECORD_FLOATS) {
                throw new FrostException(file + " has an implausible dimension " + dims[i] + " in the " + what
                        + " shape");
            }
            total *= dims[i];
            if (total > MAX_RECORD_FLOATS) {
                throw new FrostException(file + " has an implausibly large " + what + " shape");
            }
        }
        return new Shape(dims);
    }

    private static ByteBuffer readFully(FileChannel ch, long at, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return b.flip();
    }

    /** Streams every example of {@code data} into a dataset file at {@code file} (atomically) and opens it. */
    public static MappedDataset write(Path file, Dataset data) {
        Layout layout = new Layout(data.exampleShape(), data.sideInputShapes(), data.labelKind(), data.labelWidth());
        MappedDatasetWriter w = new MappedDatasetWriter(file, layout);
        try {
            float[] x = new float[layout.exampleSize()];
            float[] y = new float[layout.labelValues()];
            Map<String, float[]> side = new LinkedHashMap<>();
            layout.side().forEach((k, s) -> side.put(k, new float[(int) s.size()]));
            for (int i = 0; i < data.size(); i++) {
                data.readFeatures(i, x, 0);
                for (Map.Entry<String, float[]> e : side.entrySet()) {
                    data.readSideInput(e.getKey(), i, e.getValue(), 0);
                }
                data.readLabel(i, y, 0);
                w.add(x, side, y);
            }
            w.close();
        } catch (RuntimeException e) {
            w.discard();
            throw e;
        }
        return open(file, data.name());
    }

    /**
     * A writer that streams examples one at a time into {@code file}; {@link MappedDatasetWriter#close()} fills in
     * the count and moves the finished file into place.
     */
    public static MappedDatasetWriter writer(Path file, Shape exampleShape, LabelKind kind, int width) {
        return writer(file, exampleShape, Map.of(), kind, width);
    }

    /** A streaming writer for examples that also carry side inputs (in the map's order). */
    public static MappedDatasetWriter writer(Path file, Shape exampleShape, Map<String, Shape> sideInputs,
                                             LabelKind kind, int width) {
        return new MappedDatasetWriter(file, new Layout(exampleShape, new LinkedHashMap<>(sideInputs), kind, width));
    }

    /** The file this dataset reads. */
    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Shape exampleShape() {
        return layout.exampleShape();
    }

    @Override
    public Map<String, Shape> sideInputShapes() {
        return layout.side();
    }

    @Override
    public LabelKind labelKind() {
        return layout.kind();
    }

    @Override
    public int labelWidth() {
        return layout.width();
    }

    /** The file's fingerprint: hashed on first use (one pass over the file), then remembered in its sidecar. */
    @Override
    public long fingerprint() {
        long f = fingerprint;
        if (f == 0) {
            f = Fingerprints.ofFile(file);
            fingerprint = f;
        }
        return f;
    }

    @Override
    public void readFeatures(int index, float[] dst, int offset) {
        read(index, 0, dst, offset, layout.exampleSize());
    }

    @Override
    public void readSideInput(String sideName, int index, float[] dst, int offset) {
        int at = layout.sideOffset(sideName);
        if (at < 0) {
            Dataset.super.readSideInput(sideName, index, dst, offset);
        }
        read(index, at, dst, offset, (int) layout.side().get(sideName).size());
    }

    @Override
    public void readLabel(int index, float[] dst, int offset) {
        int lv = layout.labelValues();
        read(index, (int) layout.recordFloats() - lv, dst, offset, lv);
    }

    private void read(int index, int within, float[] dst, int offset, int len) {
        Objects.checkIndex(index, count);
        int record = index % recordsPerChunk;
        int at = Math.toIntExact((long) record * layout.recordFloats() + within);
        chunks[index / recordsPerChunk].get(at, dst, offset, len);
    }

    /** Number of mapped buffers (more than one for files over 1 GiB). */
    int chunkCount() {
        return chunks.length;
    }
}
