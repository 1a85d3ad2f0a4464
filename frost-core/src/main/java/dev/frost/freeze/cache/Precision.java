package dev.frost.freeze.cache;

import java.nio.ByteBuffer;

/** How cached activations are stored: float32 exactly, or float16 / bfloat16 at half the bytes. */
public enum Precision {
    FLOAT32(4),
    FLOAT16(2),
    BFLOAT16(2);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** {@code len} values as the cache stores them: little-endian, {@link #bytes()} each (for external stores). */
    public byte[] encode(float[] src, int off, int len) {
        ByteBuffer b = ByteBuffer.allocate(len * bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        write(b, 0, src, off, len);
        return b.array();
    }

    /** The values of {@link #encode}'s bytes, into {@code dst}. */
    public void decode(byte[] src, float[] dst) {
        read(ByteBuffer.wrap(src).order(java.nio.ByteOrder.LITTLE_ENDIAN), 0, dst, 0, src.length / bytes);
    }

    /** Writes {@code len} values at byte offset {@code at}. */
    void write(ByteBuffer buf, long at, float[] src, int off, int len) {
        int pos = Math.toIntExact(at);
        switch (this) {
            case FLOAT32:
                buf.asFloatBuffer().put(pos / 4, src, off, len);
                break;
            case FLOAT16:
                for (int i = 0; i < len; i++) {
                    buf.putShort(pos + 2 * i, toHalf(src[off + i]));
                }
                break;
            default:
                for (int i = 0; i < len; i++) {
                    buf.putShort(pos + 2 * i, toBfloat16(src[off + i]));
                }
        }
    }

    /** Reads {@code len} values from byte offset {@code at}. */
    void read(ByteBuffer buf, long at, float[] dst, int off, int len) {
        int pos = Math.toIntExact(at);
        switch (this) {
            case FLOAT32:
                buf.asFloatBuffer().get(pos / 4, dst, off, len);
                break;
            case FLOAT16:
                for (int i = 0; i < len; i++) {
                    dst[off + i] = fromHalf(buf.getShort(pos + 2 * i));
                }
                break;
            default:
                for (int i = 0; i < len; i++) {
                    dst[off + i] = Float.intBitsToFloat(buf.getShort(pos + 2 * i) << 16);
                }
        }
    }

    /** bfloat16 with round-to-nearest-even; NaN stays NaN. */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** IEEE half precision, round-to-nearest-even, with subnormals, infinities and NaN. */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs >= 0x7F800000) {
            return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
        }
        if (abs >= 0x477FF000) {
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) {
            // subnormal half (or zero): value = mantissa * 2^-24
            if (abs < 0x33000000) {
                return (short) sign;
            }
            int exp = abs >>> 23;
            int mant = (abs & 0x7FFFFF) | 0x800000;
            int shift = 126 - exp;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int exp = (abs >>> 23) - 112;
        int mant = abs & 0x7FFFFF;
        int half = (exp << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** The float32 value of IEEE 754 binary16 bits (exact: every half is a float), subnormals, inf and NaN kept. */
    public static float fromHalf(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
