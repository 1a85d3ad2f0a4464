package dev.frost.fuzz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.frost.engine.FrostEngine;
import dev.frost.io.SafeTensors;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@link SafeTensors#decode} (what {@code Checkpoints.loadModel} calls on {@code model.safetensors}): byte mutations of
 * a small DJL-written checkpoint-like file and of the embedded base checkpoint, and structure-aware files whose header
 * is rebuilt with other dtypes (with matching data: conversions), odd shapes, offsets, names, duplicates, metadata,
 * header lengths and broken JSON.
 */
final class SafeTensorsTarget implements Target {
    static final String FILE = "model.safetensors";
    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I32", "I64", "U8", "I8", "BOOL", "U16",
            "F8_E4M3", "F8_E5M2", "U64", "C64", "f32", "", "XYZ"};
    private static final String[] DIMS = {"-1", "0", "1", "2147483647", "2147483648", "4294967296",
            "4611686018427387916", "9223372036854775807", "99999999999999999999", "1.5", "1e3", "\"3\"", "null",
            "-9223372036854775808", "[]", "true"};

    private NDManager manager;
    private byte[] djlSeed;
    private byte[] realCheckpoint;

    /** A tensor of the structure-aware generator: JSON tokens as text, so any of them can be wrong. */
    private static final class Entry {
        String nameJson;
        String dtype;
        String shape;
        long count;
        String offsets;
        byte[] data;
        String body;

        Entry(String name, String dtype, long[] shape, byte[] data) {
            this.nameJson = json(name);
            this.dtype = "\"" + dtype + "\"";
            this.shape = shapeJson(shape);
            this.count = 1;
            for (long d : shape) {
                count *= d;
            }
            this.data = data;
        }
    }

    @Override
    public void setUp(Path work) throws Exception {
        manager = FrostEngine.newManager();
        Map<String, NDArray> t = new LinkedHashMap<>();
        SplittableRandom r = new SplittableRandom(7);
        t.put("conv1.weight", manager.randomNormal(new Shape(4, 1, 3, 3)));
        t.put("conv1.bias", manager.zeros(new Shape(4)));
        t.put("bn1.running_mean", manager.ones(new Shape(4)));
        t.put("fc.weight", manager.randomUniform(-1, 1, new Shape(10, 4)));
        t.put("fc.bias", manager.create(new float[] {r.nextInt(9), 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        t.put("step", manager.create(3f));
        djlSeed = SafeTensors.encode(t);
        t.values().forEach(NDArray::close);
        try (InputStream in = getClass().getResourceAsStream("/frost/base/fashion-cnn/model.safetensors")) {
            realCheckpoint = in.readAllBytes();
        }
    }

    @Override
    public String[] names() {
        return new String[] {FILE};
    }

    @Override
    public void run(byte[] input) {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> out = SafeTensors.decode(m, input, "fuzz/" + FILE);
            for (Map.Entry<String, NDArray> e : out.entrySet()) {
                NDArray a = e.getValue();
                if (a.getDataType() != DataType.FLOAT32 || !e.getKey().equals(a.getName())) {
                    throw new AssertionError("decoded " + e.getKey() + " as " + a.getDataType() + " named "
                            + a.getName());
                }
            }
        }
    }

    @Override
    public byte[] input(SplittableRandom r) {
        int p = r.nextInt(100);
        if (p < 2) {
            // the real checkpoint, mutated near its header or truncated
            byte[] b = realCheckpoint.clone();
            int ops = 1 + r.nextInt(3);
            for (int i = 0; i < ops; i++) {
                if (r.nextBoolean()) {
                    b = Mutate.put(b, r.nextInt(Math.min(b.length, 1200)), Mutate.interesting(r), 1 + r.nextInt(8), true);
                } else {
                    b = Mutate.once(b, r);
                }
            }
            return b;
        }
        if (p < 20) {
            return Mutate.bytes(djlSeed, r, 4);
        }
        byte[] b = structured(r);
        return r.nextInt(4) == 0 ? Mutate.bytes(b, r, 2) : b;
    }

    private byte[] structured(SplittableRandom r) {
        List<Entry> entries = new ArrayList<>();
        int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 40 : 5);
        for (int i = 0; i < n; i++) {
            int rank = r.nextInt(4);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(5);
            }
            String[] names = {"conv1.weight", "conv1.bias", "fc.weight", "bn1.gamma", "layer" + i + ".w", "",
                    "weird\nname\u0000", "x".repeat(400), "é中🙂"};
            String dtype = r.nextInt(3) == 0 ? DTYPES[r.nextInt(4)] : "F32";
            Entry e = new Entry(r.nextInt(4) == 0 ? names[r.nextInt(names.length)] : "t" + i, dtype, shape, null);
            e.data = Mutate.randomBytes(r, (int) e.count * size(dtype));
            entries.add(e);
        }
        String metadata = null;
        long headerLength = -1;
        int jsonDamage = -1;
        int dataDelta = 0;
        int edits = 1 + r.nextInt(3);
        for (int k = 0; k < edits; k++) {
            Entry e = entries.get(r.nextInt(entries.size()));
            switch (r.nextInt(14)) {
                case 0 -> { // another dtype with data of the right size: conversion or refusal
                    String dt = DTYPES[r.nextInt(DTYPES.length)];
                    e.dtype = "\"" + dt + "\"";
                    e.data = Mutate.randomBytes(r, (int) e.count * Math.max(1, size(dt)));
                }
                case 1 -> e.dtype = new String[] {"3", "null", "[]", "{}", "\"F32 \"", "true"}[r.nextInt(6)];
                case 2 -> { // a wrong dimension
                    if (e.shape == null || !e.shape.startsWith("[")) {
                        e.shape = "[]";
                    }
                    List<String> dims = new ArrayList<>(List.of(e.shape.substring(1, e.shape.length() - 1).split(",")));
                    dims.removeIf(String::isEmpty);
                    String dim = DIMS[r.nextInt(DIMS.length)];
                    if (dims.isEmpty() || r.nextBoolean()) {
                        dims.add(dim);
                    } else {
                        dims.set(r.nextInt(dims.size()), dim);
                    }
                    e.shape = "[" + String.join(",", dims) + "]";
                }
                case 3 -> e.shape = new String[] {"[4294967296,4294967296,16]", "[3037000500,3037000500]",
                        "[-2,-2]", "5", "null", "{}", "\"[2]\"", "[" + "1,".repeat(80) + "1]"}[r.nextInt(8)];
                case 4 -> e.shape = "[" + e.count + "]"; // same count, other shape: valid
                case 5 -> { // wrong offsets
                    long len = e.data.length;
                    long x = Mutate.interesting(r);
                    e.offsets = new String[] {"[1," + (len + 1) + "]", "[" + len + ",0]", "[0," + x + "]",
                            "[" + x + "," + x + "]", "[-1," + len + "]", "[0]", "[0," + len + ",0]", "\"0\"", "[0.5,4]",
                            "[0,18446744073709551616]", "null"}[r.nextInt(11)];
                }
                case 6 -> entries.add(r.nextInt(entries.size() + 1), copyOf(e, r.nextBoolean())); // duplicate name
                case 7 -> { // a field missing, or not an object
                    switch (r.nextInt(4)) {
                        case 0 -> e.dtype = null;
                        case 1 -> e.shape = null;
                        case 2 -> e.offsets = "";
                        default -> e.body = new String[] {"5", "[]", "null", "\"x\"", "{}"}[r.nextInt(5)];
                    }
                }
                case 8 -> metadata = new String[] {"{\"format\":\"pt\"}", "5", "[]", "null", "{\"a\":{\"b\":1}}"}
                        [r.nextInt(5)];
                case 9 -> headerLength = r.nextBoolean() ? Mutate.interesting(r) : -2 - r.nextInt(3);
                case 10 -> jsonDamage = r.nextInt(6);
                case 11 -> dataDelta = r.nextBoolean() ? -1 - r.nextInt(8) : 1 + r.nextInt(8);
                case 12 -> entries.remove(e); // its data stays out too: valid
                default -> { // remove the entry but keep its bytes: a gap
                    entries.remove(e);
                    Entry ghost = new Entry("ghost", "F32", new long[0], e.data);
                    ghost.body = "skip";
                    entries.add(ghost);
                }
            }
            if (entries.isEmpty()) {
                break;
            }
        }
        return serialize(entries, metadata, headerLength, jsonDamage, dataDelta, r);
    }

    private static Entry copyOf(Entry e, boolean sameData) {
        Entry c = new Entry("x", "F32", new long[0], sameData ? e.data : e.data.clone());
        c.nameJson = e.nameJson;
        c.dtype = e.dtype;
        c.shape = e.shape;
        c.count = e.count;
        return c;
    }

    private static byte[] serialize(List<Entry> entries, String metadata, long headerLength, int jsonDamage,
                                    int dataDelta, SplittableRandom r) {
        StringBuilder h = new StringBuilder("{");
        List<byte[]> data = new ArrayList<>();
        long at = 0;
        boolean first = true;
        if (metadata != null) {
            h.append("\"__metadata__\":").append(metadata);
            first = false;
        }
        for (Entry e : entries) {
            long begin = at;
            at += e.data.length;
            data.add(e.data);
            if ("skip".equals(e.body)) {
                continue;
            }
            if (!first) {
                h.append(',');
            }
            first = false;
            h.append(e.nameJson).append(':');
            if (e.body != null) {
                h.append(e.body);
                continue;
            }
            List<String> fields = new ArrayList<>();
            if (e.dtype != null) {
                fields.add("\"dtype\":" + e.dtype);
            }
            if (e.shape != null) {
                fields.add("\"shape\":" + e.shape);
            }
            if (!"".equals(e.offsets)) {
                fields.add("\"data_offsets\":" + (e.offsets != null ? e.offsets : "[" + begin + "," + at + "]"));
            }
            h.append('{').append(String.join(",", fields)).append('}');
        }
        h.append('}');
        String header = h.toString();
        switch (jsonDamage) {
            case 0 -> header = header.substring(0, r.nextInt(header.length()));
            case 1 -> {
                int i = r.nextInt(header.length());
                header = header.substring(0, i) + "\"{}[],:x\\".charAt(r.nextInt(9)) + header.substring(i);
            }
            case 2 -> header = header.replaceFirst("\"", "'");
            case 3 -> header = header + " x";
            case 4 -> header = "[" + header + "]";
            case 5 -> header = header + "\u0000";
            default -> { }
        }
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        if (jsonDamage == 5) {
            hb[hb.length - 1] = (byte) 0xC3; // invalid UTF-8
        }
        int pad = (8 - hb.length % 8) % 8;
        byte[] padded = Mutate.cat(hb, " ".repeat(pad).getBytes(StandardCharsets.UTF_8));
        byte[] len = Mutate.put(new byte[8], 0, headerLength != -1 ? headerLength : padded.length, 8, true);
        byte[] body = Mutate.cat(data.toArray(new byte[0][]));
        if (dataDelta < 0) {
            body = java.util.Arrays.copyOf(body, Math.max(0, body.length + dataDelta));
        } else if (dataDelta > 0) {
            body = Mutate.cat(body, new byte[dataDelta]);
        }
        return Mutate.cat(len, padded, body);
    }

    private static int size(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64", "C64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "U16" -> 2;
            case "U8", "I8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 4;
        };
    }

    private static String shapeJson(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? "," : "").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
