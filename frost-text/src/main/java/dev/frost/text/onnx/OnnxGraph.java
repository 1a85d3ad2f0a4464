package dev.frost.text.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.frost.FrostException;
import dev.frost.io.FloatCodec;
import dev.frost.Untrusted;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model Frost needs: floating-point initializers by name (float32, float16, bfloat16 and float64,
 * all read as float32) and the graph's nodes in order. Parsed with protobuf's {@link CodedInputStream} from the field
 * numbers of {@code onnx.proto} (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1,
 * output = 2, name = 3, op_type = 4; TensorProto.dims = 1, data_type = 2, float_data = 4, int32_data = 5, name = 8,
 * raw_data = 9, double_data = 10, data_location = 14); every other field is skipped. Malformed input (wrong wire
 * types, lengths past the end, negative or overflowing dimensions, data sizes that do not match the shape, duplicate
 * initializer names) fails with one {@link FrostException} line before anything is allocated for it.
 */
public final class OnnxGraph {
    private static final int FLOAT = 1;

    /** An initializer as float32; {@code dims} as stored (MatMul weights are [in, out]). */
    public record Tensor(String name, long[] dims, float[] data) {
        public long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /** A graph node: operator and the names of its inputs and outputs. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;

    private OnnxGraph(Map<String, Tensor> initializers, List<Node> nodes) {
        this.initializers = initializers;
        this.nodes = nodes;
    }

    public Map<String, Tensor> initializers() {
        return initializers;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Reads a whole ONNX model; {@code what} names the source in errors. */
    public static OnnxGraph read(InputStream in, String what) {
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new FrostException("cannot read " + what + ": " + Untrusted.reason(e), e);
        }
        return read(bytes, what);
    }

    /**
     * Parses the bytes of an ONNX model; {@code what} names the source in errors. Every length, dimension and data
     * size is checked against the input before anything is allocated for it.
     */
    public static OnnxGraph read(byte[] bytes, String what) {
        CodedInputStream cis = CodedInputStream.newInstance(bytes);
        cis.setSizeLimit(Integer.MAX_VALUE);
        try {
            Map<String, Tensor> inits = new LinkedHashMap<>();
            List<Node> nodes = new ArrayList<>();
            boolean sawGraph = false;
            int tag;
            while ((tag = cis.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == 7) {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "ModelProto.graph", what);
                    sawGraph = true;
                    int limit = cis.pushLimit(cis.readRawVarint32());
                    readGraph(cis, bytes, inits, nodes, what);
                    cis.popLimit(limit);
                } else {
                    cis.skipField(tag);
                }
            }
            if (!sawGraph) {
                throw new FrostException(what + " is not an ONNX model: it has no graph");
            }
            return new OnnxGraph(inits, List.copyOf(nodes));
        } catch (IOException e) {
            throw new FrostException(what + " is not a readable ONNX model: " + protobufReason(e) + " (near byte "
                    + cis.getTotalBytesRead() + ")", e);
        }
    }

    private static String protobufReason(IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.startsWith("While parsing a protocol message, the input ended unexpectedly")) {
            return "it ends in the middle of a field (truncated, or a length field is wrong)";
        }
        return Untrusted.reason(e);
    }

    private static void expect(int tag, int wireType, String field, String what) {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new FrostException(what + " is not a readable ONNX model: " + field + " has wire type "
                    + WireFormat.getTagWireType(tag) + " instead of " + wireType);
        }
    }

    private static void readGraph(CodedInputStream cis, byte[] bytes, Map<String, Tensor> inits, List<Node> nodes, String what)
            throws IOException {
        int tag;
        while ((tag = cis.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 5) {
                expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field == 1 ? "GraphProto.node"
                        : "GraphProto.initializer", what);
                int limit = cis.pushLimit(cis.readRawVarint32());
                if (field == 1) {
                    nodes.add(readNode(cis, what));
                } else {
                    Tensor t = readTensor(cis, bytes, what);
                    if (t != null && inits.putIfAbsent(t.name(), t) != null) {
                        throw new FrostException(what + " has two initializers named " + Untrusted.quote(t.name()));
                    }
                }
                cis.popLimit(limit);
            } else {
                cis.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream cis, String what) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        int tag;
        while ((tag = cis.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field >= 1 && field <= 4) {
                expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "NodeProto field " + field, what);
            }
            switch (field) {
                case 1 -> inputs.add(cis.readStringRequireUtf8());
                case 2 -> outputs.add(cis.readStringRequireUtf8());
                case 3 -> name = cis.readStringRequireUtf8();
                case 4 -> op = cis.readStringRequireUtf8();
                default -> cis.skipField(tag);
            }
        }
        return new Node(name, op, List.copyOf(inputs), List.copyOf(outputs));
    }

    /** ONNX TensorProto.DataType values that are read (as float32); other types are skipped. */
    private static final int FLOAT16 = 10;
    private static final int DOUBLE = 11;
    private static final int BFLOAT16 = 16;
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * A float32, float16, bfloat16 or float64 tensor as float32, or null for other types (integer constants of shapes
     * and the like).
     */
    private static Tensor readTensor(CodedInputStream cis, byte[] bytes, String what) throws IOException {
        Longs dims = new Longs();
        int type = 0;
        String name = "";
        int rawAt = -1;
        int rawLength = 0;
        Longs floats = new Longs();
        Longs ints = new Longs();
        Longs doubles = new Longs();
        boolean external = false;
        int tag;
        while ((tag = cis.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> readRepeated(cis, tag, WireFormat.WIRETYPE_VARINT, "TensorProto.dims", what,
                        () -> dims.add(cis.readInt64()));
                case 2 -> {
                    expect(tag, WireFormat.WIRETYPE_VARINT, "TensorProto.data_type", what);
                    type = cis.readInt32();
                }
                case 4 -> readRepeated(cis, tag, WireFormat.WIRETYPE_FIXED32, "TensorProto.float_data", what,
                        () -> floats.add(cis.readRawLittleEndian32()));
                case 5 -> readRepeated(cis, tag, WireFormat.WIRETYPE_VARINT, "TensorProto.int32_data", what,
                        () -> ints.add(cis.readInt32()));
                case 8 -> {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TensorProto.name", what);
                    name = cis.readStringRequireUtf8();
                }
                case 9 -> {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TensorProto.raw_data", what);
                    rawLength = cis.readRawVarint32();
                    if (rawLength < 0) {
                        throw new FrostException(what + " is not a readable ONNX model: a raw_data field claims "
                                + rawLength + " bytes");
                    }
                    rawAt = cis.getTotalBytesRead();
                    cis.skipRawBytes(rawLength);
                }
                case 10 -> readRepeated(cis, tag, WireFormat.WIRETYPE_FIXED64, "TensorProto.double_data", what,
                        () -> doubles.add(cis.readRawLittleEndian64()));
                case 14 -> {
                    expect(tag, WireFormat.WIRETYPE_VARINT, "TensorProto.data_location", what);
                    external = cis.readInt32() == 1;
                }
                default -> cis.skipField(tag);
            }
        }
        int size = switch (type) {
            case FLOAT -> 4;
            case FLOAT16, BFLOAT16 -> 2;
            case DOUBLE -> 8;
            default -> 0;
        };
        if (size == 0) {
            return null;
        }
        String tensor = what + ": tensor " + Untrusted.quote(name);
        if (external) {
            throw new FrostException(tensor + " keeps its data in an external file, which Frost does not read:"
                    + " export the model with its weights inside the .onnx file");
        }
        long[] d = dims.toArray();
        long n = 1;
        long nonZero = 1;
        for (long x : d) {
            if (x < 0) {
                throw new FrostException(tensor + " has a negative dimension in shape " + shape(d));
            }
            n = x != 0 && n > MAX_ELEMENTS / x ? MAX_ELEMENTS + 1 : n * x;
            nonZero = x != 0 && nonZero > MAX_ELEMENTS / x ? MAX_ELEMENTS + 1 : nonZero * Math.max(1, x);
        }
        // an empty tensor's other dimensions still make its strides: bound them as well
        if (n > MAX_ELEMENTS || nonZero > MAX_ELEMENTS) {
            throw new FrostException(tensor + " has shape " + shape(d) + ", more than " + MAX_ELEMENTS + " elements");
        }
        float[] data;
        if (rawAt >= 0) {
            if (rawLength != n * size) {
                throw new FrostException(tensor + " has " + rawLength + " bytes of data for shape " + shape(d)
                        + " (expected " + n * size + ")");
            }
            data = new float[(int) n];
            switch (type) {
                case FLOAT -> FloatCodec.float32(bytes, rawAt, data, data.length);
                case FLOAT16 -> FloatCodec.float16(bytes, rawAt, data, data.length);
                case BFLOAT16 -> FloatCodec.bfloat16(bytes, rawAt, data, data.length);
                default -> FloatCodec.float64(bytes, rawAt, data, data.length);
            }
        } else {
            Longs values = switch (type) {
                case FLOAT -> floats;
                case DOUBLE -> doubles;
                default -> ints;
            };
            if (values.size() != n) {
                throw new FrostException(tensor + " has " + values.size() + " values for shape " + shape(d)
                        + " (expected " + n + ")");
            }
            data = new float[(int) n];
            for (int i = 0; i < data.length; i++) {
                long v = values.get(i);
                data[i] = switch (type) {
                    case FLOAT -> Float.intBitsToFloat((int) v);
                    case FLOAT16 -> FloatCodec.float16((int) v);
                    case BFLOAT16 -> FloatCodec.bfloat16((int) v);
                    default -> (float) Double.longBitsToDouble(v);
                };
            }
        }
        return new Tensor(name, d, data);
    }

    private static String shape(long[] d) {
        String s = Arrays.toString(d);
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Reads one value of a repeated scalar field, or all of them when the field is packed. */
    private interface ValueReader {
        void read() throws IOException;
    }

    private static void readRepeated(CodedInputStream cis, int tag, int scalarWire, String field, String what,
                                     ValueReader one) throws IOException {
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            expect(tag, scalarWire, field, what);
            one.read();
            return;
        }
        int limit = cis.pushLimit(cis.readRawVarint32());
        while (cis.getBytesUntilLimit() > 0) {
            one.read();
        }
        cis.popLimit(limit);
    }

    /** A growable list of primitive longs: values of repeated fields, at most 8 bytes each per input byte read. */
    private static final class Longs {
        private long[] values = new long[4];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        long get(int i) {
            return values[i];
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /**
     * Names the anonymous weight of every MatMul whose output feeds an Add with a named bias: the weight becomes
     * {@code <bias name without ".bias">.weight}. This is how exported PyTorch Linear layers appear in ONNX
     * ({@code onnx::MatMul_123} feeding {@code encoder.layer.0.attention.self.query.bias}).
     */
    public Map<String, String> linearWeightNames() {
        Map<String, Node> consumerOf = new LinkedHashMap<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                consumerOf.putIfAbsent(in, n);
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Node n : nodes) {
            if (!n.opType().equals("MatMul") || n.inputs().size() != 2) {
                continue;
            }
            String weight = n.inputs().get(1);
            if (!initializers.containsKey(weight) || n.outputs().isEmpty()) {
                continue;
            }
            Node add = consumerOf.get(n.outputs().get(0));
            if (add == null || !add.opType().equals("Add")) {
                continue;
            }
            for (String in : add.inputs()) {
                if (in.endsWith(".bias") && initializers.containsKey(in)) {
                    String target = in.substring(0, in.length() - ".bias".length()) + ".weight";
                    String previous = out.put(weight, target);
                    if (previous != null && !previous.equals(target)) {
                        throw new FrostException("ONNX weight " + Untrusted.quote(weight) + " feeds both "
                                + Untrusted.quote(previous) + " and " + Untrusted.quote(target));
                    }
                }
            }
        }
        return out;
    }
}
