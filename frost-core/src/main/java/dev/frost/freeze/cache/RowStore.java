package dev.frost.freeze.cache;

import dev.frost.FrostException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Fixed-size rows of activations, one per (example, view), on the heap or in a memory-mapped file. A file store
 * begins with a header (magic, key, geometry, CRC-32C of the rows) so a later run can reuse it, and refuses a file
 * written for another key or whose rows do not match their checksum.
 */
final class RowStore implements AutoCloseable {
    private static final long MAGIC = 0x46524F5354434143L; // "FROSTCAC"
    private static final int HEADER = 4096;
    private static final long CHUNK_BYTES = 1L << 30;

    private final int rows;
    private final int rowLength;
    private final Precision precision;
    private final long rowBytes;
    private final int rowsPerChunk;
    private final List<ByteBuffer> chunks = new ArrayList<>();
    private final BitSet present;
    private final Path file;
    private final FileChannel channel;
    private final String key;
    private boolean sealed;

    private RowStore(int rows, int rowLength, Precision precision, Path file, FileChannel channel, String key) {
        this.rows = rows;
        this.rowLength = rowLength;
        this.precision = precision;
        this.rowBytes = (long) rowLength * precision.bytes();
        this.rowsPerChunk = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / rowBytes));
        this.present = new BitSet(rows);
        this.file = file;
        this.channel = channel;
        this.key = key;
    }

    /** Rows on the heap. */
    static RowStore heap(int rows, int rowLength, Precision precision) {
        RowStore s = new RowStore(rows, rowLength, precision, null, null, null);
        for (int first = 0; first < rows; first += s.rowsPerChunk) {
            int n = Math.min(s.rowsPerChunk, rows - first);
            s.chunks.add(ByteBuffer.allocate(Math.toIntExact(n * s.rowBytes)).order(ByteOrder.LITTLE_ENDIAN));
        }
        return s;
    }

    /**
     * Rows in a memory-mapped file. An existing, complete file for the same key is reused as it is; one for another
     * key, incomplete or corrupt is rebuilt, and {@code onReject} hears why.
     */
    static RowStore mapped(Path file, String key, int rows, int rowLength, Precision precision,
                           java.util.function.Consumer<String> onReject) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean reuse = false;
            if (Files.exists(file)) {
                String why = validate(file, key, rows, rowLength, precision);
                if (why == null) {
                    reuse = true;
                } else {
                    onReject.accept("cache file " + file + " " + why + "; rebuilding it");
                    Files.delete(file);
                }
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            RowStore s = new RowStore(rows, rowLength, precision, file, ch, key);
            long total = HEADER + rows * s.rowBytes;
            if (!reuse) {
                ch.truncate(0);
                writeHeader(ch, key, rows, rowLength, precision, 0L, false);
            }
            for (int first = 0; first < rows; first += s.rowsPerChunk) {
                int n = Math.min(s.rowsPerChunk, rows - first);
                MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, HEADER + first * s.rowBytes, n * s.rowBytes);
                s.chunks.add(b.order(ByteOrder.LITTLE_ENDIAN));
            }
            if (ch.size() < total) {
                throw new IOException("could not size " + file + " to " + total + " bytes");
            }
            if (reuse) {
                s.present.set(0, rows);
                s.sealed = true;
            }
            return s;
        } catch (IOException e) {
            throw new FrostException("cannot create activation cache file " + file + ": " + e.getMessage(), e);
        }
    }

    boolean has(int row) {
        return present.get(row);
    }

    boolean complete() {
        return present.cardinality() == rows;
    }

    void put(int row, float[] src, int off) {
        ByteBuffer b = chunks.get(row / rowsPerChunk);
        precision.write(b, (row % rowsPerChunk) * rowBytes, src, off, rowLength);
        present.set(row);
    }

    void get(int row, float[] dst, int off) {
        ByteBuffer b = chunks.get(row / rowsPerChunk);
        precision.read(b, (row % rowsPerChunk) * rowBytes, dst, off, rowLength);
    }

    long bytes() {
        return rows * rowBytes;
    }

    boolean onDisk() {
        return file != null;
    }

    Path file() {
        return file;
    }

    /** Marks a complete file store as reusable: writes the rows' checksum into its header. */
    void seal() {
        if (file == null || sealed || !complete()) {
            return;
        }
        try {
            for (ByteBuffer b : chunks) {
                ((MappedByteBuffer) b).force();
            }
            writeHeader(channel, key, rows, rowLength, precision, checksum(), true);
            channel.force(true);
            sealed = true;
        } catch (IOException e) {
            throw new FrostException("cannot finish activation cache file " + file + ": " + e.getMessage(), e);
        }
    }

    private long checksum() {
        CRC32C crc = new CRC32C();
        for (ByteBuffer b : chunks) {
            crc.update(b.duplicate().clear());
        }
        return crc.getValue();
    }

    private static void writeHeader(FileChannel ch, String key, int rows, int rowLength, Precision p, long crc,
                                    boolean complete) throws IOException {
        byte[] k = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (k.length > HEADER - 64) {
            throw new IOException("cache key too long");
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(MAGIC).putInt(1).putInt(rows).putInt(rowLength).putInt(p.ordinal()).putLong(crc)
                .putInt(complete ? 1 : 0).putInt(k.length).put(k);
        h.clear();
        ch.write(h, 0);
    }

    /** Null when the file can be reused for this key; otherwise why not. */
    private static String validate(Path file, String key, int rows, int rowLength, Precision p) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            h.flip();
            if (h.remaining() < 40 || h.getLong() != MAGIC || h.getInt() != 1) {
                return "is not a Frost activation cache";
            }
            int r = h.getInt();
            int len = h.getInt();
            int prec = h.getInt();
            long crc = h.getLong();
            boolean complete = h.getInt() == 1;
            int klen = h.getInt();
            if (klen < 0 || klen > h.remaining()) {
                return "has a damaged header";
            }
            byte[] k = new byte[klen];
            h.get(k);
            if (!new String(k, java.nio.charset.StandardCharsets.UTF_8).equals(key)) {
                return "belongs to another key (other weights, data or boundary)";
            }
            if (r != rows || len != rowLength || prec != p.ordinal()) {
                return "has another geometry";
            }
            if (!complete) {
                return "is incomplete (its rows were never all computed)";
            }
            long bytes = (long) rows * rowLength * p.bytes();
            if (ch.size() != HEADER + bytes) {
                return "has " + (ch.size() - HEADER) + " bytes of rows, expected " + bytes + " (truncated?)";
            }
            CRC32C c = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = HEADER;
            while (pos < ch.size()) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                c.update(buf);
                pos += n;
            }
            if (c.getValue() != crc) {
                return "is corrupt (checksum mismatch)";
            }
            return null;
        }
    }

    @Override
    public void close() {
        close(true);
    }

    /** Closes the store; a spill file is deleted unless {@code keepFile} (and complete, so it can be reused). */
    void close(boolean keepFile) {
        chunks.clear();
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the mapping is released with the buffers
            }
            if (!keepFile || !sealed) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover spill file is rejected or rebuilt by the next run
                }
            }
        }
    }
}
