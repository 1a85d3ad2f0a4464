package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.Untrusted;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Named tensors to and from safetensors bytes. Encoding goes through DJL's encoder; decoding is Frost's own and
 * strict: the whole file (header length, JSON, every dtype, shape and byte range) is validated and converted to
 * float32 in Java before the first engine array is created, so a damaged or hostile file fails with one
 * {@link FrostException} line and never reaches native code. F32, F16, BF16 and F64 tensors are read (as float32);
 * integer, boolean and 8-bit float tensors are refused.
 */
public final class SafeTensors {
    /** The largest JSON header read (the format's reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    /** The most elements one tensor may hold (a Java array's limit). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Map<String, Integer> FLOAT_SIZES = Map.of("F32", 4, "F16", 2, "BF16", 2, "F64", 8);
    /** Bytes per element of the non-float dtypes whole bytes wide, for tensors that are skipped. */
    private static final Map<String, Integer> OTHER_SIZES = Map.of("BOOL", 1, "U8", 1, "I8", 1, "U16", 2, "I16", 2,
            "U32", 4, "I32", 4, "U64", 8, "I64", 8, "C64", 8);
    private static final List<String> OTHER_DTYPES = List.of("BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64",
            "I64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private SafeTensors() {}

    /** One validated tensor: its name, the dtype it was stored in, its shape and its values as float32. */
    public record Tensor(String name, String dtype, long[] shape, float[] data) {}

    /** Encodes copies of the arrays, so that the caller's arrays keep their names. */
    public static byte[] encode(Map<String, NDArray> tensors) {
        try (NDManager m = tensors.isEmpty() ? null : tensors.values().iterator().next().getManager().newSubManager()) {
            NDList list = new NDList();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                NDArray copy = e.getValue().duplicate();
                copy.attach(m);
                copy.setName(e.getKey());
                list.add(copy);
            }
            return list.encode(NDList.Encoding.SAFETENSORS);
        }
    }

    /**
     * Encodes float32 arrays in the safetensors layout (8-byte little-endian header length, JSON header padded
     * with spaces to 8 bytes, raw little-endian data), with a {@code __metadata__} entry as Hugging Face tools write
     * it ({@code {"format": "pt"}}); DJL's encoder writes no metadata.
     */
    public static byte[] encodeFloat32(Map<String, NDArray> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        List<float[]> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            float[] values = e.getValue().toFloatArray();
            long end = offset + 4L * values.length;
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue().getShape().getShape(),
                    "data_offsets", new long[] {offset, end}));
            data.add(values);
            offset = end;
        }
        byte[] json;
        try {
            json = new ObjectMapper().writeValueAsBytes(header);
        } catch (IOException e) {
            throw new FrostException("cannot encode safetensors header: " + e.getMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            buf.put(" ".getBytes(StandardCharsets.US_ASCII));
        }
        for (float[] v : data) {
            for (float f : v) {
                buf.putFloat(f);
            }
        }
        return buf.array();
    }

    /**
     * Decodes into float32 arrays of {@code manager}, in the header's order; {@code what} names the file in errors.
     * Nothing is created unless every tensor of the file is valid.
     */
    public static Map<String, NDArray> decode(NDManager manager, byte[] bytes, String what) {
        Map<String, Tensor> tensors = parse(bytes, what);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (NDManager staging = manager.newSubManager()) {
            for (Tensor t : tensors.values()) {
                NDArray a;
                try {
                    a = staging.create(t.data(), new Shape(t.shape()));
                } catch (RuntimeException e) {
                    throw new FrostException("safetensors file " + what + ": the engine refused tensor "
                            + Untrusted.quote(t.name()) + " of shape " + clip(t.shape()) + ": " + Untrusted.reason(e),
                            e);
                }
                a.setName(t.name());
                out.put(t.name(), a);
            }
            for (NDArray a : out.values()) {
                a.attach(manager);
            }
        }
        return out;
    }

    /** Validates the whole file and returns its tensors as float32, in the header's order; touches no engine. */
    public static Map<String, Tensor> parse(byte[] bytes, String what) {
        return parse(bytes, what, name -> false);
    }

    /**
     * Like {@link #parse(byte[], String)}, but tensors whose name {@code skip} accepts are only checked for their
     * byte range, may have any dtype of the format (a BatchNorm's I64 {@code num_batches_tracked}) and are left out
     * of the result.
     */
    public static Map<String, Tensor> parse(byte[] bytes, String what, Predicate<String> skip) {
        String file = "safetensors file " + what;
        if (bytes.length < 8) {
            throw new FrostException(file + " is too short (" + bytes.length + " bytes): it lacks the 8-byte header"
                    + " length");
        }
        long headerLength = 0;
        for (int i = 7; i >= 0; i--) {
            headerLength = (headerLength << 8) | (bytes[i] & 0xFF);
        }
        long available = bytes.length - 8L;
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            boolean zip = bytes[0] == 'P' && bytes[1] == 'K'; // PyTorch's pytorch_model.bin is a zip archive
            throw new FrostException(file + (zip ? " is a zip archive (PyTorch's .bin format?), not a safetensors"
                    + " file: save the weights with safetensors" : " is not a safetensors file or is damaged: it"
                    + " announces a JSON header of " + Long.toUnsignedString(headerLength) + " bytes, more than the "
                    + (MAX_HEADER_BYTES >> 20) + " MiB limit"));
        }
        if (headerLength > available) {
            throw new FrostException(file + " announces a JSON header of " + headerLength + " bytes but only "
                    + available + " bytes follow the length field: the file is truncated or damaged");
        }
        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - (long) dataStart;
        JsonNode root;
        try {
            root = JSON.readTree(JSON.getFactory().createParser(bytes, 8, (int) headerLength));
        } catch (JsonProcessingException e) {
            throw new FrostException(file + " has a header that is not valid JSON: "
                    + Untrusted.printable(String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""), 120),
                    e);
        } catch (IOException e) {
            throw new FrostException(file + " has an unreadable header: " + Untrusted.reason(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new FrostException(file + " has a header that is not a JSON object");
        }
        List<Range> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode spec = e.getValue();
            if (name.equals("__metadata__")) {
                if (!spec.isObject()) {
                    throw new FrostException(file + " has a __metadata__ entry that is not a JSON object");
                }
                continue;
            }
            ranges.add(range(file, name, spec, dataLength, skip.test(name)));
        }
        List<Range> inHeaderOrder = List.copyOf(ranges);
        ranges.sort(Comparator.comparingLong(Range::begin));
        long end = 0;
        for (Range r : ranges) {
            if (r.begin() < end) {
                throw new FrostException(file + ": the bytes of tensor " + Untrusted.quote(r.name())
                        + " overlap those of another tensor (data_offsets start at " + r.begin() + ", before " + end
                        + ")");
            }
            if (r.begin() > end) {
                throw new FrostException(file + ": data bytes " + end + ".." + r.begin() + " before tensor "
                        + Untrusted.quote(r.name()) + " belong to no tensor: the data_offsets are damaged");
            }
            end = r.end();
        }
        if (end != dataLength) {
            throw new FrostException(file + ": its tensors cover " + end + " of the " + dataLength
                    + " data bytes: the file is truncated, padded or its data_offsets are damaged");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Range r : inHeaderOrder) {
            if (skip.test(r.name())) {
                continue;
            }
            float[] data = new float[(int) r.count()];
            int at = dataStart + (int) r.begin();
            switch (r.dtype()) {
                case "F32" -> FloatCodec.float32(bytes, at, data, data.length);
                case "F16" -> FloatCodec.float16(bytes, at, data, data.length);
                case "BF16" -> FloatCodec.bfloat16(bytes, at, data, data.length);
                case "F64" -> FloatCodec.float64(bytes, at, data, data.length);
                default -> throw new IllegalStateException(r.dtype());
            }
            out.put(r.name(), new Tensor(r.name(), r.dtype(), r.shape(), data));
        }
        return out;
    }

    private record Range(String name, String dtype, long[] shape, long count, long begin, long end) {}

    private static Range range(String file, String name, JsonNode spec, long dataLength, boolean skipped) {
        String tensor = file + ": tensor " + Untrusted.quote(name);
        if (!spec.isObject()) {
            throw new FrostException(tensor + " is described by a JSON " + spec.getNodeType().name().toLowerCase()
                    + ", not an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = spec.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new FrostException(tensor + " has no dtype string");
        }
        String dtype = dtypeNode.asText();
        Integer size = skipped ? OTHER_SIZES.getOrDefault(dtype, FLOAT_SIZES.get(dtype)) : FLOAT_SIZES.get(dtype);
        if (size == null) {
            throw new FrostException(tensor + (OTHER_DTYPES.contains(dtype)
                    ? " has dtype " + dtype + "; Frost reads floating-point weights only (F32, F16, BF16, F64)"
                    : " has unknown dtype " + Untrusted.quote(dtype) + " (Frost reads F32, F16, BF16 and F64)"));
        }
        JsonNode shapeNode = spec.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new FrostException(tensor + " has no shape array");
        }
        if (shapeNode.size() > 64) {
            throw new FrostException(tensor + " has " + shapeNode.size() + " dimensions (at most 64 are supported)");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        long nonZero = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new FrostException(tensor + " has an invalid shape dimension " + Untrusted.printable(
                        d.toString(), 40) + " (dimensions are non-negative integers)");
            }
            shape[i] = d.asLong();
            count = saturatedProduct(count, shape[i]);
            nonZero = saturatedProduct(nonZero, Math.max(1, shape[i]));
        }
        // an empty tensor's other dimensions still make its strides: bound them as well
        if (count > MAX_ELEMENTS || nonZero > MAX_ELEMENTS) {
            throw new FrostException(tensor + " has shape " + clip(shape) + ", more than " + MAX_ELEMENTS
                    + " elements");
        }
        JsonNode offsets = spec.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new FrostException(tensor + " has no data_offsets pair [begin, end]");
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = offsets.get(i);
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw new FrostException(tensor + " has an invalid data offset " + Untrusted.printable(o.toString(),
                        40) + " (offsets are non-negative integers)");
            }
            be[i] = o.asLong();
        }
        if (be[0] > be[1] || be[1] > dataLength) {
            throw new FrostException(tensor + " has data_offsets [" + be[0] + ", " + be[1] + "] outside the "
                    + dataLength + " data bytes of the file");
        }
        long expected = count * size;
        if (be[1] - be[0] != expected) {
            throw new FrostException(tensor + " has " + (be[1] - be[0]) + " data bytes but its shape " + clip(shape)
                    + " in " + dtype + " needs " + expected);
        }
        return new Range(name, dtype, shape, count, be[0], be[1]);
    }

    private static long saturatedProduct(long a, long b) {
        long p = a * b;
        return b != 0 && (p / b != a || p < 0) ? Long.MAX_VALUE : p;
    }

    private static String clip(long[] shape) {
        String s = Arrays.toString(shape);
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
