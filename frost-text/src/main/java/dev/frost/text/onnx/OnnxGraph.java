package dev.frost.text.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.frost.FrostException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model Frost needs: float32 initializers by name and the graph's nodes in order. Parsed with
 * protobuf's {@link CodedInputStream} from the field numbers of {@code onnx.proto} (ModelProto.graph = 7;
 * GraphProto.node = 1, initializer = 5; NodeProto.input = 1, output = 2, name = 3, op_type = 4; TensorProto.dims = 1,
 * data_type = 2, float_data = 4, name = 8, raw_data = 9); every other field is skipped.
 */
public final class OnnxGraph {
    private static final int FLOAT = 1;

    /** A float32 initializer; {@code dims} as stored (MatMul weights are [in, out]). */
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
        try {
            byte[] bytes = in.readAllBytes();
            CodedInputStream cis = CodedInputStream.newInstance(bytes);
            cis.enableAliasing(true);
            cis.setSizeLimit(Integer.MAX_VALUE);
            Map<String, Tensor> inits = new LinkedHashMap<>();
            List<Node> nodes = new ArrayList<>();
            boolean sawGraph = false;
            int tag;
            while ((tag = cis.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == 7) {
                    sawGraph = true;
                    int limit = cis.pushLimit(cis.readRawVarint32());
                    readGraph(cis, inits, nodes, what);
                    cis.popLimit(limit);
                } else {
                    cis.skipField(tag);
                }
            }
            if (!sawGraph) {
                throw new FrostException(what + " is not an ONNX model: it has no graph");
            }
            return new OnnxGraph(inits, nodes);
        } catch (IOException e) {
            throw new FrostException(what + " is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    private static void readGraph(CodedInputStream cis, Map<String, Tensor> inits, List<Node> nodes, String what)
            throws IOException {
        int tag;
        while ((tag = cis.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 5) {
                int limit = cis.pushLimit(cis.readRawVarint32());
                if (field == 1) {
                    nodes.add(readNode(cis));
                } else {
                    Tensor t = readTensor(cis, what);
                    if (t != null) {
                        inits.put(t.name(), t);
                    }
                }
                cis.popLimit(limit);
            } else {
                cis.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream cis) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        int tag;
        while ((tag = cis.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(cis.readStringRequireUtf8());
                case 2 -> outputs.add(cis.readStringRequireUtf8());
                case 3 -> name = cis.readStringRequireUtf8();
                case 4 -> op = cis.readStringRequireUtf8();
                default -> cis.skipField(tag);
            }
        }
        return new Node(name, op, List.copyOf(inputs), List.copyOf(outputs));
    }

    /** A float32 tensor, or null for other types (integer constants of shapes and the like). */
    private static Tensor readTensor(CodedInputStream cis, String what) throws IOException {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        ByteBuffer raw = null;
        List<Float> floats = new ArrayList<>();
        int tag;
        while ((tag = cis.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> readRepeated(cis, wire, () -> dims.add(cis.readInt64()));
                case 2 -> type = cis.readInt32();
                case 4 -> readRepeated(cis, wire, () -> floats.add(cis.readFloat()));
                case 8 -> name = cis.readStringRequireUtf8();
                case 9 -> raw = cis.readByteBuffer();
                default -> cis.skipField(tag);
            }
        }
        if (type != FLOAT) {
            return null;
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long x : d) {
            n *= x;
        }
        float[] data;
        if (raw != null) {
            if (raw.remaining() != n * 4) {
                throw new FrostException(what + ": tensor '" + name + "' has " + raw.remaining() + " bytes of data"
                        + " for shape " + java.util.Arrays.toString(d) + " (expected " + n * 4 + ")");
            }
            data = new float[(int) n];
            raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            if (floats.size() != n) {
                throw new FrostException(what + ": tensor '" + name + "' has " + floats.size() + " values for shape "
                        + java.util.Arrays.toString(d));
            }
            data = new float[(int) n];
            for (int i = 0; i < n; i++) {
                data[i] = floats.get(i);
            }
        }
        return new Tensor(name, d, data);
    }

    /** Reads one value of a repeated scalar field, or all of them when the field is packed. */
    private interface ValueReader {
        void read() throws IOException;
    }

    private static void readRepeated(CodedInputStream cis, int wire, ValueReader one) throws IOException {
        if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            one.read();
            return;
        }
        int limit = cis.pushLimit(cis.readRawVarint32());
        while (cis.getBytesUntilLimit() > 0) {
            one.read();
        }
        cis.popLimit(limit);
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
                        throw new FrostException("ONNX weight '" + weight + "' feeds both " + previous + " and "
                                + target);
                    }
                }
            }
        }
        return out;
    }
}
