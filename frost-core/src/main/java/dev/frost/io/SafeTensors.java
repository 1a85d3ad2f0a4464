package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named tensors to and from safetensors bytes, through DJL's encoder. */
public final class SafeTensors {
    private SafeTensors() {}

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

    /** Decodes into {@code manager}; {@code what} names the file in errors. */
    public static Map<String, NDArray> decode(NDManager manager, byte[] bytes, String what) {
        try {
            NDList list = NDList.decode(manager, new ByteArrayInputStream(bytes));
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray a : list) {
                out.put(a.getName(), a);
            }
            return out;
        } catch (RuntimeException e) {
            throw new FrostException("cannot decode safetensors file " + what + ": " + e.getMessage(), e);
        }
    }

}
