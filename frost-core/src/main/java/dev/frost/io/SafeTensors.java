package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;

import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
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
