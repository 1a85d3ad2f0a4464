package dev.frost.text.onnx;

import com.google.protobuf.CodedOutputStream;
import dev.frost.FrostException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny ONNX models written with protobuf's wire writer: conversions, and refusals in one line. */
class OnnxGraphTest {
    interface Fields {
        void write(CodedOutputStream c) throws IOException;
    }

    static byte[] message(Fields f) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(b);
        f.write(c);
        c.flush();
        return b.toByteArray();
    }

    static byte[] tensor(String name, int type, long[] dims, byte[] raw) throws IOException {
        return message(c -> {
            for (long d : dims) {
                c.writeInt64(1, d);
            }
            c.writeInt32(2, type);
            c.writeString(8, name);
            c.writeByteArray(9, raw);
        });
    }

    static byte[] model(byte[]... initializers) throws IOException {
        byte[] graph = message(c -> {
            for (byte[] t : initializers) {
                c.writeByteArray(5, t);
            }
        });
        return message(c -> {
            c.writeInt64(1, 8);
            c.writeByteArray(7, graph);
        });
    }

    static FrostException refused(byte[] bytes) {
        FrostException e = assertThrows(FrostException.class, () -> OnnxGraph.read(bytes, "m.onnx"));
        assertTrue(e.getMessage().contains("m.onnx") && e.getMessage().length() < 300
                && !e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void halfBfloatAndDoubleInitializersAreReadAsFloat32() throws IOException {
        byte[] half = {0x00, 0x3C, 0x00, (byte) 0xC0};              // 1, -2
        byte[] bf = {(byte) 0x80, 0x3F, 0x40, (byte) 0xC0};         // 1, -3
        byte[] dbl = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0.5).array();
        OnnxGraph g = OnnxGraph.read(model(tensor("h", 10, new long[] {2}, half), tensor("b", 16, new long[] {2}, bf),
                tensor("d", 11, new long[] {1}, dbl), tensor("i", 7, new long[] {1}, new byte[8])), "m.onnx");
        assertArrayEquals(new float[] {1, -2}, g.initializers().get("h").data());
        assertArrayEquals(new float[] {1, -3}, g.initializers().get("b").data());
        assertArrayEquals(new float[] {0.5f}, g.initializers().get("d").data());
        assertTrue(!g.initializers().containsKey("i"), "integer constants are skipped");
    }

    @Test
    void hostileShapesLengthsAndNamesAreRefused() throws IOException {
        assertTrue(refused(model(tensor("w", 1, new long[] {(1L << 62) + 12}, new byte[48]))).getMessage()
                .contains("more than"));
        assertTrue(refused(model(tensor("w", 1, new long[] {0, 1L << 40}, new byte[0]))).getMessage()
                .contains("more than"));
        assertTrue(refused(model(tensor("w", 1, new long[] {-3}, new byte[0]))).getMessage()
                .contains("negative dimension"));
        assertTrue(refused(model(tensor("w", 1, new long[] {3}, new byte[8]))).getMessage()
                .contains("has 8 bytes of data for shape [3] (expected 12)"));
        assertTrue(refused(model(tensor("w", 1, new long[] {1}, new byte[4]), tensor("w", 1, new long[] {1},
                new byte[4]))).getMessage().contains("two initializers named 'w'"));
        byte[] ok = model(tensor("w", 1, new long[] {2}, new byte[8]));
        assertTrue(refused(Arrays.copyOf(ok, ok.length - 3)).getMessage().contains("ends in the middle of a field"));
        assertTrue(refused(message(c -> c.writeInt64(7, 5))).getMessage().contains("wire type"));
        assertTrue(refused(message(c -> c.writeInt64(1, 8))).getMessage().contains("no graph"));
        assertEquals(1, OnnxGraph.read(ok, "m.onnx").initializers().size());
    }
}
