package dev.frost.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Format-blind byte mutations: bit flips, interesting integers, truncation, chunk deletion, insertion, copies. */
final class Mutate {
    static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 16, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 46340,
            1 << 20, 100L << 20, (100L << 20) + 1, 2_000_000_000L, Integer.MAX_VALUE, Integer.MIN_VALUE,
            0xFFFFFFFFL, 1L << 32, 1L << 40, (1L << 62) + 12, Long.MAX_VALUE, Long.MIN_VALUE};

    private Mutate() {}

    static long interesting(SplittableRandom r) {
        return INTERESTING[r.nextInt(INTERESTING.length)];
    }

    /** One to {@code maxOps} random mutations of a copy of {@code seed}. */
    static byte[] bytes(byte[] seed, SplittableRandom r, int maxOps) {
        byte[] b = seed.clone();
        int ops = 1 + r.nextInt(maxOps);
        for (int i = 0; i < ops; i++) {
            b = once(b, r);
        }
        return b;
    }

    static byte[] once(byte[] b, SplittableRandom r) {
        if (b.length == 0) {
            return randomBytes(r, 1 + r.nextInt(16));
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(11)) {
            case 0 -> {
                b = b.clone();
                b[at] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> {
                b = b.clone();
                int[] v = {0, 1, 0x7F, 0x80, 0xFF, r.nextInt(256)};
                b[at] = (byte) v[r.nextInt(v.length)];
            }
            case 2 -> b = put(b, at, interesting(r), 4, r.nextBoolean());
            case 3 -> b = put(b, at, interesting(r), 8, true);
            case 4 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 5 -> {
                int len = 1 + r.nextInt(Math.min(64, b.length - at));
                b = cat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + len, b.length));
            }
            case 6 -> b = cat(Arrays.copyOfRange(b, 0, at), randomBytes(r, 1 + r.nextInt(32)),
                    Arrays.copyOfRange(b, at, b.length));
            case 7 -> {
                int from = r.nextInt(b.length);
                int len = 1 + r.nextInt(Math.min(64, b.length - from));
                b = cat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, from, from + len),
                        Arrays.copyOfRange(b, at, b.length));
            }
            case 8 -> b = cat(b, randomBytes(r, 1 + r.nextInt(64)));
            case 9 -> {
                b = b.clone();
                int from = r.nextInt(b.length);
                int len = Math.min(1 + r.nextInt(16), Math.min(b.length - from, b.length - at));
                System.arraycopy(b.clone(), from, b, at, len);
            }
            default -> {
                b = b.clone();
                b[at] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    static byte[] put(byte[] b, int at, long v, int width, boolean littleEndian) {
        b = b.clone();
        for (int i = 0; i < width && at + i < b.length; i++) {
            int shift = 8 * (littleEndian ? i : width - 1 - i);
            b[at + i] = (byte) (v >>> shift);
        }
        return b;
    }

    static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
