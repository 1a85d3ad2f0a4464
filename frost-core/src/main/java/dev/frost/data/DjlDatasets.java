package dev.frost.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any DJL {@link RandomAccessDataset} as a Frost {@link Dataset}. Record {@code i}'s first data array is example
 * {@code i}'s main input, further data arrays are the side inputs (in the order given), and its first label array is
 * the label: one class id, or {@code width} values. Each read gets the record into an NDManager of its own, closed
 * afterwards, so nothing outlives the read. Reads are serialized on the DJL dataset, whose {@code get} need not be
 * thread-safe.
 *
 * <p>The DJL dataset must already be prepared ({@code prepare()}): Frost downloads nothing.
 */
public final class DjlDatasets {
    private DjlDatasets() {}

    /**
     * Wraps {@code djl}. Its fingerprint is computed on first use by reading and hashing every record once (a full
     * pass over the data); pass one with {@link #from(RandomAccessDataset, Shape, Map, LabelKind, int, String, long)}
     * when that is too costly.
     */
    public static Dataset from(RandomAccessDataset djl, Shape exampleShape, LabelKind kind, int width, String name) {
        return new Adapter(djl, exampleShape, Map.of(), kind, width, name, 0);
    }

    /**
     * Wraps {@code djl} whose records carry side inputs after the main input; {@code fingerprint} (non-zero) is the
     * caller's content fingerprint, or 0 to hash every record once on first use.
     */
    public static Dataset from(RandomAccessDataset djl, Shape exampleShape, Map<String, Shape> sideInputs,
                               LabelKind kind, int width, String name, long fingerprint) {
        return new Adapter(djl, exampleShape, new LinkedHashMap<>(sideInputs), kind, width, name, fingerprint);
    }

    private static final class Adapter implements Dataset {
        private final RandomAccessDataset djl;
        private final Shape exampleShape;
        private final Map<String, Shape> side;
        private final java.util.List<String> sideOrder;
        private final LabelKind kind;
        private final int width;
        private final String name;
        private final int size;
        private volatile long fingerprint;

        Adapter(RandomAccessDataset djl, Shape exampleShape, Map<String, Shape> side, LabelKind kind, int width,
                String name, long fingerprint) {
            if (width <= 0) {
                throw new FrostException("dataset '" + name + "': label width must be positive, got " + width);
            }
            long n = djl.size();
            if (n > Integer.MAX_VALUE) {
                throw new FrostException("dataset '" + name + "' has " + n + " records, more than Frost can index");
            }
            this.djl = djl;
            this.exampleShape = exampleShape;
            this.side = java.util.Collections.unmodifiableMap(side);
            this.sideOrder = java.util.List.copyOf(side.keySet());
            this.kind = kind;
            this.width = width;
            this.name = name;
            this.size = (int) n;
            this.fingerprint = fingerprint;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Shape exampleShape() {
            return exampleShape;
        }

        @Override
        public Map<String, Shape> sideInputShapes() {
            return side;
        }

        @Override
        public LabelKind labelKind() {
            return kind;
        }

        @Override
        public int labelWidth() {
            return width;
        }

        @Override
        public void readFeatures(int index, float[] dst, int offset) {
            read(index, r -> copy(r.getData(), 0, exampleShape.size(), "data", index, dst, offset));
        }

        @Override
        public void readSideInput(String sideName, int index, float[] dst, int offset) {
            Shape s = side.get(sideName);
            if (s == null) {
                Dataset.super.readSideInput(sideName, index, dst, offset);
            }
            int at = 1 + sideOrder.indexOf(sideName);
            read(index, r -> copy(r.getData(), at, s.size(), "side input '" + sideName + "'", index, dst, offset));
        }

        @Override
        public void readLabel(int index, float[] dst, int offset) {
            read(index, r -> {
                copy(r.getLabels(), 0, labelValues(), "label", index, dst, offset);
                for (int i = 0; i < labelValues(); i++) {
                    float v = dst[offset + i];
                    if (kind == LabelKind.CLASS && !(v == Math.rint(v) && v >= 0 && v < width)) {
                        throw new FrostException("dataset '" + name + "' record " + index + " has class " + v
                                + ", not an id in 0.." + (width - 1));
                    }
                    if (kind == LabelKind.MULTI_LABEL && v != 0f && v != 1f) {
                        throw new FrostException("dataset '" + name + "' record " + index + " has multi-label value "
                                + v + ", not 0 or 1");
                    }
                }
            });
        }

        private interface RecordUse {
            void use(Record r);
        }

        private void read(int index, RecordUse use) {
            java.util.Objects.checkIndex(index, size);
            try (NDManager m = NDManager.newBaseManager()) {
                Record r;
                synchronized (djl) {
                    r = djl.get(m, index);
                }
                use.use(r);
            } catch (IOException e) {
                throw new FrostException("dataset '" + name + "': cannot read record " + index + ": "
                        + e.getMessage(), e);
            }
        }

        private void copy(NDList list, int at, long expected, String what, int index, float[] dst, int offset) {
            if (list == null || list.size() <= at) {
                throw new FrostException("dataset '" + name + "' record " + index + " has no " + what + " array (it has "
                        + (list == null ? 0 : list.size()) + ")");
            }
            NDArray a = list.get(at);
            if (a.size() != expected) {
                throw new FrostException("dataset '" + name + "' record " + index + " has " + what + " of shape "
                        + a.getShape() + " (" + a.size() + " values), expected " + expected);
            }
            float[] v = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                    : a.toType(DataType.FLOAT32, false).toFloatArray();
            System.arraycopy(v, 0, dst, offset, v.length);
        }

        /** Hashes every record once (features, side inputs, labels) with the shapes and label kind. */
        @Override
        public long fingerprint() {
            long f = fingerprint;
            if (f == 0) {
                Fingerprints.Hasher h = new Fingerprints.Hasher();
                h.update(exampleShape + "|" + side + "|" + kind + "|" + width + "|" + size);
                float[] x = new float[(int) exampleShape.size()];
                float[] y = new float[labelValues()];
                for (int i = 0; i < size; i++) {
                    readFeatures(i, x, 0);
                    h.update(bytes(x));
                    for (Map.Entry<String, Shape> e : side.entrySet()) {
                        float[] s = new float[(int) e.getValue().size()];
                        readSideInput(e.getKey(), i, s, 0);
                        h.update(bytes(s));
                    }
                    readLabel(i, y, 0);
                    h.update(bytes(y));
                }
                f = h.value();
                fingerprint = f;
            }
            return f;
        }

        private static ByteBuffer bytes(float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return b;
        }
    }
}
