package dev.frost.fuzz;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.frost.text.onnx.OnnxGraph;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link OnnxGraph#read(byte[], String)} on a tiny ONNX model written here with protobuf's wire writer (a MatMul
 * feeding an Add with a named bias, and float32, float16, bfloat16, float64 and int64 initializers stored as raw_data
 * and as typed values): structure-aware edits (dimensions such as 2^62+12 or -1, data types, data sizes, duplicate
 * names, external data, wrong wire types, deep groups, huge lengths), then byte mutations.
 */
final class OnnxTarget implements Target {
    static final String FILE = "fuzz.onnx";

    /** An initializer of the generator; {@code kind}: 0 raw_data, 1 float_data, 2 int32_data, 3 double_data, 4 int64_data. */
    private static final class T {
        String name;
        int type;
        long[] dims;
        int kind;
        int values;
        boolean packed = true;
        boolean external;
        int wrongWire = -1;

        T(String name, int type, long[] dims, int kind) {
            this.name = name;
            this.type = type;
            this.dims = dims;
            this.kind = kind;
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            this.values = (int) n;
        }
    }

    @Override
    public void setUp(Path work) {}

    @Override
    public String[] names() {
        return new String[] {FILE};
    }

    @Override
    public void run(byte[] input) {
        OnnxGraph g = OnnxGraph.read(input, FILE);
        g.linearWeightNames();
        for (OnnxGraph.Tensor t : g.initializers().values()) {
            if (t.data().length != t.size()) {
                throw new AssertionError("tensor " + t.name() + " has " + t.data().length + " values for size "
                        + t.size());
            }
        }
    }

    private static List<T> seed() {
        List<T> ts = new ArrayList<>();
        ts.add(new T("onnx::MatMul_1", 1, new long[] {2, 3}, 0));
        ts.add(new T("enc.q.bias", 1, new long[] {3}, 1));
        ts.add(new T("half", 10, new long[] {2}, 0));
        ts.add(new T("brain", 16, new long[] {2}, 2));
        ts.add(new T("double", 11, new long[] {2}, 3));
        ts.add(new T("shape", 7, new long[] {2}, 4));
        return ts;
    }

    @Override
    public byte[] input(SplittableRandom r) throws IOException {
        if (r.nextInt(10) == 0) {
            return Mutate.bytes(model(seed(), r, -1, 0), r, 4);
        }
        List<T> ts = seed();
        int graphWire = -1;
        int nesting = 0;
        int edits = 1 + r.nextInt(3);
        for (int k = 0; k < edits; k++) {
            T t = ts.get(r.nextInt(ts.size()));
            switch (r.nextInt(11)) {
                case 0 -> t.dims[t.dims.length == 0 ? 0 : r.nextInt(t.dims.length)] = new long[] {-1, 0, 1, 1L << 31, (1L << 62) + 12,
                        Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 46340}[r.nextInt(9)];
                case 1 -> t.dims = r.nextBoolean() ? new long[] {1} : new long[] {t.values, 1};
                case 2 -> t.type = new int[] {0, 1, 2, 6, 7, 8, 9, 10, 11, 16, 999, -1}[r.nextInt(12)];
                case 3 -> t.values += r.nextBoolean() ? 1 : -1;
                case 4 -> ts.add(new T(t.name, 1, new long[] {1}, 0)); // duplicate name
                case 5 -> t.external = true;
                case 6 -> t.wrongWire = r.nextInt(5);
                case 7 -> t.packed = !t.packed;
                case 8 -> graphWire = WireFormat.WIRETYPE_VARINT;
                case 9 -> nesting = 50 + r.nextInt(400);
                default -> t.name = new String[] {"", "x".repeat(500), "a\nb", "enc.k.bias"}[r.nextInt(4)];
            }
        }
        byte[] b = model(ts, r, graphWire, nesting);
        return r.nextInt(3) == 0 ? Mutate.bytes(b, r, 2) : b;
    }

    private static byte[] model(List<T> ts, SplittableRandom r, int graphWire, int nesting) throws IOException {
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        CodedOutputStream g = CodedOutputStream.newInstance(graph);
        g.writeByteArray(1, node("mm", "MatMul", List.of("x", "onnx::MatMul_1"), List.of("y")));
        g.writeByteArray(1, node("add", "Add", List.of("y", "enc.q.bias"), List.of("z")));
        for (T t : ts) {
            g.writeByteArray(5, tensor(t, r));
        }
        if (nesting > 0) {
            // unknown nested groups: skipped, but only to protobuf's recursion limit
            for (int i = 0; i < nesting; i++) {
                g.writeTag(99, WireFormat.WIRETYPE_START_GROUP);
            }
            for (int i = 0; i < nesting; i++) {
                g.writeTag(99, WireFormat.WIRETYPE_END_GROUP);
            }
        }
        g.writeString(2, "fuzz-graph");
        g.flush();
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        CodedOutputStream m = CodedOutputStream.newInstance(model);
        m.writeInt64(1, 8);
        m.writeString(2, "frost-fuzz");
        if (graphWire == WireFormat.WIRETYPE_VARINT) {
            m.writeInt64(7, graph.size());
        } else {
            m.writeByteArray(7, graph.toByteArray());
        }
        m.flush();
        return model.toByteArray();
    }

    private static byte[] node(String name, String op, List<String> in, List<String> out) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(b);
        for (String s : in) {
            c.writeString(1, s);
        }
        for (String s : out) {
            c.writeString(2, s);
        }
        c.writeString(3, name);
        c.writeString(4, op);
        c.flush();
        return b.toByteArray();
    }

    private static byte[] tensor(T t, SplittableRandom r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(b);
        if (t.packed) {
            ByteArrayOutputStream dims = new ByteArrayOutputStream();
            CodedOutputStream d = CodedOutputStream.newInstance(dims);
            for (long x : t.dims) {
                d.writeInt64NoTag(x);
            }
            d.flush();
            c.writeByteArray(1, dims.toByteArray());
        } else {
            for (long x : t.dims) {
                c.writeInt64(1, x);
            }
        }
        if (t.wrongWire == 0) {
            c.writeFixed32(2, t.type);
        } else {
            c.writeInt32(2, t.type);
        }
        int n = Math.max(0, Math.min(t.values, 1 << 12));
        switch (t.kind) {
            case 0 -> {
                int size = t.type == 11 || t.type == 7 ? 8 : t.type == 10 || t.type == 16 ? 2 : 4;
                byte[] raw = Mutate.randomBytes(r, n * size);
                if (t.wrongWire == 1) {
                    c.writeFixed64(9, 5);
                } else {
                    c.writeByteArray(9, raw);
                }
            }
            case 1 -> {
                if (t.packed) {
                    ByteBuffer fb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        fb.putFloat((float) r.nextGaussian());
                    }
                    c.writeByteArray(4, fb.array());
                } else {
                    for (int i = 0; i < n; i++) {
                        c.writeFloat(4, (float) r.nextGaussian());
                    }
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    c.writeInt32(5, r.nextInt(1 << 16));
                }
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    c.writeDouble(10, r.nextGaussian() * 1e5);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    c.writeInt64(7, r.nextLong());
                }
            }
        }
        if (t.wrongWire == 2) {
            c.writeTag(8, WireFormat.WIRETYPE_VARINT);
            c.writeInt64NoTag(7);
        } else {
            c.writeByteArray(8, t.name.getBytes(StandardCharsets.UTF_8));
        }
        if (t.wrongWire == 3) {
            c.writeTag(9, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            c.writeUInt32NoTag(Integer.MAX_VALUE);
        }
        if (t.wrongWire == 4) {
            c.writeTag(4, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            c.writeUInt32NoTag(0x7FFFFFF0);
        }
        if (t.external) {
            c.writeInt32(14, 1);
        }
        c.flush();
        return b.toByteArray();
    }
}
