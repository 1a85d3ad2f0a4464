package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Streams examples, one at a time, into a {@link MappedDataset} file (format in {@link MappedDataset}). It writes to
 * a temporary file beside the target; {@link #close()} fills in the count, syncs and renames it into place, so a
 * reader never sees a half-written file. {@link #discard()} drops the temporary file instead. Not thread-safe.
 */
public final class MappedDatasetWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final MappedDataset.Layout layout;
    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long count;
    private boolean finished;

    MappedDatasetWriter(Path target, MappedDataset.Layout layout) {
        check(target, layout);
        this.target = target;
        this.layout = layout;
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            this.tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            this.channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            channel.write(header(layout));
        } catch (IOException e) {
            throw new FrostException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void check(Path target, MappedDataset.Layout layout) {
        if (layout.width() <= 0) {
            throw new FrostException(target + ": label width must be positive, got " + layout.width());
        }
        Shape s = layout.exampleShape();
        if (s.dimension() < 1 || s.size() <= 0) {
            throw new FrostException(target + ": example shape " + s + " must have at least one positive dimension");
        }
        if (layout.recordFloats() > MappedDataset.MAX_RECORD_FLOATS) {
            throw new FrostException(target + ": examples of " + layout.recordFloats() + " floats are too large");
        }
        layout.side().forEach((k, v) -> {
            if (k.isEmpty() || v.size() <= 0) {
                throw new FrostException(target + ": side input '" + k + "' needs a name and a positive shape");
            }
        });
    }

    static ByteBuffer header(MappedDataset.Layout layout) {
        int len = MappedDataset.FIXED_HEADER + 4 + 8 * layout.exampleShape().dimension() + 4;
        for (Map.Entry<String, Shape> e : layout.side().entrySet()) {
            len += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 8 * e.getValue().dimension();
        }
        int headerBytes = (len + 7) / 8 * 8;
        ByteBuffer h = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MappedDataset.MAGIC).putInt(MappedDataset.VERSION).putInt(headerBytes).putLong(0)
                .putInt(layout.kind().ordinal()).putInt(layout.width());
        putShape(h, layout.exampleShape());
        h.putInt(layout.side().size());
        layout.side().forEach((k, v) -> {
            byte[] name = k.getBytes(StandardCharsets.UTF_8);
            h.putInt(name.length).put(name);
            putShape(h, v);
        });
        return h.clear();
    }

    private static void putShape(ByteBuffer h, Shape s) {
        h.putInt(s.dimension());
        for (long d : s.getShape()) {
            h.putLong(d);
        }
    }

    /** Appends one example without side inputs; {@code label} holds one class id or {@code width} values. */
    public MappedDatasetWriter add(float[] features, float[] label) {
        return add(features, Map.of(), label);
    }

    /** Appends one example of a class-labelled dataset. */
    public MappedDatasetWriter add(float[] features, int classId) {
        return add(features, Map.of(), new float[] {classId});
    }

    /** Appends one example with its side inputs (every declared side input must be given). */
    public MappedDatasetWriter add(float[] features, Map<String, float[]> side, float[] label) {
        if (finished) {
            throw new FrostException(target + ": the writer is already closed");
        }
        if (features.length != layout.exampleSize()) {
            throw new FrostException(target + ": example " + count + " has " + features.length
                    + " feature values, the shape " + layout.exampleShape() + " needs " + layout.exampleSize());
        }
        checkLabel(label);
        putFloats(features);
        for (Map.Entry<String, Shape> e : layout.side().entrySet()) {
            float[] v = side.get(e.getKey());
            if (v == null || v.length != e.getValue().size()) {
                throw new FrostException(target + ": example " + count + (v == null ? " lacks side input '"
                        + e.getKey() + "'" : "'s side input '" + e.getKey() + "' has " + v.length
                        + " values, its shape " + e.getValue() + " needs " + e.getValue().size()));
            }
            putFloats(v);
        }
        putFloats(label);
        count++;
        return this;
    }

    private void checkLabel(float[] label) {
        if (label.length != layout.labelValues()) {
            throw new FrostException(target + ": example " + count + "'s label has " + label.length
                    + " values, " + layout.kind() + " labels need " + layout.labelValues());
        }
        for (float v : label) {
            boolean ok = switch (layout.kind()) {
                case CLASS -> v == Math.rint(v) && v >= 0 && v < layout.width();
                case MULTI_LABEL -> v == 0f || v == 1f;
                case REGRESSION -> true;
            };
            if (!ok) {
                throw new FrostException(target + ": example " + count + " has label value " + v + ", not "
                        + (layout.kind() == LabelKind.CLASS ? "a class id in 0.." + (layout.width() - 1) : "0 or 1"));
            }
        }
    }

    private void putFloats(float[] values) {
        int at = 0;
        while (at < values.length) {
            if (buf.remaining() < 4) {
                flush();
            }
            int n = Math.min(buf.remaining() / 4, values.length - at);
            buf.asFloatBuffer().put(values, at, n);
            buf.position(buf.position() + n * 4);
            at += n;
        }
    }

    private void flush() {
        try {
            buf.flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            buf.clear();
        } catch (IOException e) {
            discard();
            throw new FrostException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Examples written so far. */
    public long count() {
        return count;
    }

    /** Fills in the count, syncs, and moves the file into place (replacing any earlier file and its sidecar). */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        if (count > Integer.MAX_VALUE) {
            discard();
            throw new FrostException(target + ": " + count + " examples are more than a dataset can index");
        }
        flush();
        try {
            ByteBuffer n = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, count);
            channel.write(n, 16);
            channel.force(true);
            channel.close();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(target.resolveSibling(target.getFileName() + Fingerprints.SUFFIX));
            finished = true;
        } catch (IOException e) {
            discard();
            throw new FrostException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Abandons the file: the temporary file is deleted and the target is left as it was. */
    public void discard() {
        finished = true;
        try {
            channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: a stray temporary file is harmless
        }
    }
}
