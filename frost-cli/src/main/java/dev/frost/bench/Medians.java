package dev.frost.bench;

import java.util.Arrays;
import java.util.List;

/** Median of timings, in milliseconds. */
final class Medians {
    private Medians() {}

    static double of(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static double of(List<Double> values) {
        return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
