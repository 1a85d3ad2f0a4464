package dev.frost.bench;

import java.util.Arrays;

/** Median of timings, in milliseconds. */
final class Medians {
    private Medians() {}

    static double of(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
