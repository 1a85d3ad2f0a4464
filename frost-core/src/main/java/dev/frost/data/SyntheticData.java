package dev.frost.data;

import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/** Seeded random classification data: for benchmarks and tests that need shapes, not meaning. */
public final class SyntheticData {
    private SyntheticData() {}

    /** Gaussian features around a per-class mean, so a model can actually learn them. */
    public static ArrayDataset classification(String name, int size, Shape exampleShape, int classes, long seed) {
        int d = Math.toIntExact(exampleShape.size());
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] means = new float[classes][d];
        for (float[] m : means) {
            for (int j = 0; j < d; j++) {
                m[j] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        float[] x = new float[size * d];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            y[i] = rng.nextInt(classes);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = means[y[i]][j] + (float) gaussian(rng);
            }
        }
        return new ArrayDataset(name, x, y, exampleShape, classes);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1.0 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
