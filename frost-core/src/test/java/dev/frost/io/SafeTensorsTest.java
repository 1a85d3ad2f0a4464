package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.engine.FrostEngine;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    /** One tensor of a hand-written file: dtype, shape and little-endian data. */
    record T(String name, String dtype, long[] shape, byte[] data) {}

    static byte[] file(List<T> tensors) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (T t : tensors) {
            long begin = data.size();
            data.writeBytes(t.data());
            StringBuilder shape = new StringBuilder();
            for (long d : t.shape()) {
                shape.append(shape.length() > 0 ? "," : "").append(d);
            }
            h.append(",\"").append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[")
                    .append(shape).append("],\"data_offsets\":[").append(begin).append(',').append(data.size())
                    .append("]}");
        }
        return raw(h.append('}').toString(), data.toByteArray());
    }

    static byte[] raw(String header, byte[] data) {
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(hb.length).put(hb).put(data).array();
    }

    static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(width * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (width) {
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static FrostException refused(byte[] bytes) {
        FrostException e = assertThrows(FrostException.class, () -> SafeTensors.parse(bytes, "w/model.safetensors"));
        String m = e.getMessage();
        assertTrue(m.contains("w/model.safetensors") && m.length() < 300 && !m.contains("\n"), m);
        return e;
    }

    /** PyTorch's BatchNorm counter is I64: a skipped tensor is range-checked, not decoded, and left out. */
    @Test
    void skippedTensorsMayBeIntegersButTheirBytesAreStillChecked() {
        byte[] bytes = file(List.of(new T("bn.weight", "F32", new long[] {2}, f32(1f, 2f)),
                new T("bn.num_batches_tracked", "I64", new long[] {}, le(8, 7))));
        assertTrue(refused(bytes).getMessage().contains("has dtype I64"));
        var parsed = SafeTensors.parse(bytes, "w", n -> n.endsWith("num_batches_tracked"));
        assertEquals(List.of("bn.weight"), List.copyOf(parsed.keySet()));
        assertArrayEquals(new float[] {1f, 2f}, parsed.get("bn.weight").data());
        byte[] shortI64 = file(List.of(new T("bn.num_batches_tracked", "I64", new long[] {}, le(4, 7))));
        FrostException e = assertThrows(FrostException.class, () -> SafeTensors.parse(shortI64, "w",
                n -> n.endsWith("num_batches_tracked")));
        assertTrue(e.getMessage().contains("has 4 data bytes but its shape [] in I64 needs 8"), e.getMessage());
    }

    @Test
    void djlWrittenFilesDecodeToTheSameFloat32Arrays() {
        try (NDManager m = FrostEngine.newManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("w", m.randomNormal(new Shape(3, 4)));
            t.put("b", m.create(new float[] {1, -2, 3}));
            t.put("scalar", m.create(7f));
            t.put("empty", m.create(new float[0], new Shape(0, 3)));
            Map<String, NDArray> d = SafeTensors.decode(m, SafeTensors.encode(t), "x");
            assertEquals(t.keySet(), new java.util.HashSet<>(d.keySet()));
            t.forEach((k, v) -> {
                NDArray a = d.get(k);
                assertEquals(v.getShape(), a.getShape(), k);
                assertEquals(DataType.FLOAT32, a.getDataType(), k);
                assertEquals(k, a.getName());
                assertArrayEquals(v.toFloatArray(), a.toFloatArray(), k);
            });
        }
    }

    @Test
    void halfPrecisionMatchesIeee754ForAll65536Values() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >>> 15;
            int exp = (bits >>> 10) & 0x1F;
            int mant = bits & 0x3FF;
            double expected = exp == 0 ? mant * Math.pow(2, -24)
                    : exp == 31 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            expected = sign == 1 ? -expected : expected;
            float got = FloatCodec.float16(bits);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(got), Integer.toHexString(bits));
            } else {
                assertEquals((float) expected, got, 0f, Integer.toHexString(bits));
                assertEquals(sign == 1, (Float.floatToRawIntBits(got) >>> 31) == 1, "sign of " + bits);
            }
        }
    }

    @Test
    void bf16F16AndF64TensorsAreConvertedToFloat32() {
        byte[] bytes = file(List.of(
                new T("bf", "BF16", new long[] {5}, le(2, 0x3F80, 0xC040, 0x7F80, 0x7FC0, 0x3E20)),
                new T("half", "F16", new long[] {2, 3}, le(2, 0x3C00, 0xC000, 0x0001, 0x03FF, 0x7BFF, 0xFC00)),
                new T("dbl", "F64", new long[] {3}, le(8, Double.doubleToLongBits(1e-3),
                        Double.doubleToLongBits(-2.5), Double.doubleToLongBits(1e300))),
                new T("f", "F32", new long[] {}, f32(4.5f))));
        Map<String, SafeTensors.Tensor> t = SafeTensors.parse(bytes, "x");
        assertArrayEquals(new float[] {1f, -3f, Float.POSITIVE_INFINITY, Float.NaN, 0.15625f}, t.get("bf").data());
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, 1023 * 0x1p-24f, 65504f, Float.NEGATIVE_INFINITY},
                t.get("half").data());
        assertArrayEquals(new long[] {2, 3}, t.get("half").shape());
        assertArrayEquals(new float[] {(float) 1e-3, -2.5f, Float.POSITIVE_INFINITY}, t.get("dbl").data());
        assertArrayEquals(new float[] {4.5f}, t.get("f").data());
        assertEquals(List.of("bf", "half", "dbl", "f"), new ArrayList<>(t.keySet()));
    }

    @Test
    void damagedFilesAreRefusedInOneLineBeforeAnyLargeAllocation() {
        T ok = new T("a", "F32", new long[] {2}, f32(1, 2));
        assertTrue(refused(file(List.of(new T("i", "I32", new long[] {2}, le(4, 1, 2))))).getMessage()
                .contains("dtype I32"));
        assertTrue(refused(file(List.of(new T("i", "Q7", new long[] {2}, le(4, 1, 2))))).getMessage()
                .contains("unknown dtype"));
        assertTrue(refused(file(List.of(ok, new T("n", "F32", new long[] {-1}, new byte[0])))).getMessage()
                .contains("invalid shape dimension -1"));
        assertTrue(refused(file(List.of(new T("o", "F32", new long[] {1L << 32, 1L << 32, 16}, new byte[0]))))
                .getMessage().contains("more than"));
        assertTrue(refused(file(List.of(new T("z", "F32", new long[] {0, 1L << 62}, new byte[0])))).getMessage()
                .contains("more than"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", new byte[16])).getMessage()
                .contains("Duplicate field 'a'"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12])).getMessage()
                .contains("overlap"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[12]))
                .getMessage().contains("cover 8 of the 12"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80000000000]}}",
                new byte[8])).getMessage().contains("outside the 8 data bytes"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]))
                .getMessage().contains("needs 12"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", new byte[8]))
                .getMessage().contains("not valid JSON"));
        assertTrue(refused(raw("{\"" + "x".repeat(1000) + "\":5}", new byte[0])).getMessage()
                .contains("xxx..."));
        assertTrue(refused(new byte[5]).getMessage().contains("too short"));

        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(2_000_000_000L).array();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        assertTrue(refused(huge).getMessage().contains("MiB limit"));
        byte[] beyond = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        assertTrue(refused(beyond).getMessage().contains("only 8 bytes follow"));
        assertTrue(mx.getCurrentThreadAllocatedBytes() - before < 1 << 20, "allocated for a 16-byte file");
        byte[] zip = "PK\u0003\u0004 a pytorch_model.bin".getBytes(StandardCharsets.UTF_8);
        assertTrue(refused(zip).getMessage().contains("is a zip archive"), refused(zip).getMessage());
    }

    private static void replaceWeights(Path dir, byte[] bytes) throws Exception {
        Files.write(dir.resolve(Checkpoints.WEIGHTS), bytes);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve(Checkpoints.MANIFEST).toFile());
        ((ObjectNode) manifest.get("weights")).put("sha256", AtomicFiles.sha256(bytes));
        json.writeValue(dir.resolve(Checkpoints.MANIFEST).toFile(), manifest);
    }

    @Test
    void checkpointsInBf16LoadAndABadLastTensorLeavesTheModelUntouched(@TempDir Path tmp) throws Exception {
        try (FrostModel a = Models.cnn(new int[] {4, 8, 8}, 10, 3); FrostModel b = Models.cnn(new int[] {4, 8, 8},
                10, 99)) {
            // a checkpoint folder without a pointer (as a hand-made or older one), so its files can be replaced
            Path version = Checkpoints.saveModel(tmp.resolve("store"), a);
            Path dir = Files.createDirectories(tmp.resolve("flat"));
            for (String f : new String[] {Checkpoints.WEIGHTS, Checkpoints.MANIFEST}) {
                Files.copy(version.resolve(f), dir.resolve(f));
            }
            Map<String, SafeTensors.Tensor> saved = SafeTensors.parse(
                    Files.readAllBytes(dir.resolve(Checkpoints.WEIGHTS)), "saved");
            List<T> bf16 = new ArrayList<>();
            List<T> badLast = new ArrayList<>();
            Map<String, float[]> truncated = new LinkedHashMap<>();
            int i = 0;
            for (SafeTensors.Tensor t : saved.values()) {
                ByteBuffer bb = ByteBuffer.allocate(2 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                float[] tr = new float[t.data().length];
                for (int k = 0; k < tr.length; k++) {
                    int bits = Float.floatToRawIntBits(t.data()[k]);
                    bb.putShort((short) (bits >>> 16));
                    tr[k] = Float.intBitsToFloat(bits & 0xFFFF0000);
                }
                truncated.put(t.name(), tr);
                bf16.add(new T(t.name(), "BF16", t.shape(), bb.array()));
                boolean last = ++i == saved.size();
                badLast.add(last ? new T(t.name(), "I32", t.shape(), f32(t.data()))
                        : new T(t.name(), "F16", t.shape(), new byte[2 * t.data().length]));
            }

            replaceWeights(dir, file(badLast));
            Map<String, float[]> before = Snapshots.of(b);
            FrostException e = assertThrows(FrostException.class, () -> Checkpoints.loadModel(dir, b));
            assertTrue(e.getMessage().contains("dtype I32"), e.getMessage());
            Map<String, float[]> after = Snapshots.of(b);
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " was overwritten"));

            replaceWeights(dir, file(bf16));
            Checkpoints.loadModel(dir, b);
            Map<String, float[]> loaded = Snapshots.of(b);
            assertEquals(truncated.keySet(), loaded.keySet());
            truncated.forEach((k, v) -> assertArrayEquals(v, loaded.get(k), k));
        }
    }
}
