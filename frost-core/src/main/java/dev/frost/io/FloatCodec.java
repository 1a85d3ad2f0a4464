package dev.frost.io;

/**
 * Little-endian bytes of floating-point tensors to float32: bfloat16 (the upper 16 bits of a float32), IEEE 754 half
 * precision (with subnormals, infinities and NaN payloads) and float64 (narrowed as Java's {@code (float)} cast does:
 * to nearest, out-of-range values become infinities).
 */
public final class FloatCodec {
    private FloatCodec() {}

    /** The float32 value of bfloat16 bits {@code bits} (low 16 bits used). */
    public static float bfloat16(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The float32 value of IEEE 754 binary16 bits {@code bits} (low 16 bits used); exact, as every half is a float. */
    public static float float16(int bits) {
        return dev.frost.freeze.cache.Precision.fromHalf((short) bits);
    }

    /** {@code count} little-endian 2-byte values from {@code bytes[offset..]} through {@link #bfloat16}. */
    public static void bfloat16(byte[] bytes, int offset, float[] out, int count) {
        for (int i = 0; i < count; i++) {
            out[i] = bfloat16(u16(bytes, offset + 2 * i));
        }
    }

    /** {@code count} little-endian 2-byte values from {@code bytes[offset..]} through {@link #float16}. */
    public static void float16(byte[] bytes, int offset, float[] out, int count) {
        for (int i = 0; i < count; i++) {
            out[i] = float16(u16(bytes, offset + 2 * i));
        }
    }

    /** {@code count} little-endian float32 values from {@code bytes[offset..]}. */
    public static void float32(byte[] bytes, int offset, float[] out, int count) {
        java.nio.ByteBuffer.wrap(bytes, offset, 4 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(out, 0, count);
    }

    /** {@code count} little-endian float64 values from {@code bytes[offset..]}, narrowed to float32. */
    public static void float64(byte[] bytes, int offset, float[] out, int count) {
        for (int i = 0; i < count; i++) {
            int at = offset + 8 * i;
            long bits = (i32(bytes, at) & 0xFFFFFFFFL) | ((long) i32(bytes, at + 4) << 32);
            out[i] = (float) Double.longBitsToDouble(bits);
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static int i32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
