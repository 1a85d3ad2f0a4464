package dev.frost.data;

import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * A random transformation of one example, applied in place when a batch is built. Randomness comes only from the
 * generator passed in, which Frost seeds from (run seed, epoch or view, example index), so augmented runs stay
 * reproducible and a cached augmented view is the same as a recomputed one.
 */
@FunctionalInterface
public interface Augmentation {
    void apply(float[] example, Shape shape, SplittableRandom rng);

    /** Shifts a (C, H, W) image by up to {@code maxPixels} in each direction, filling with zeros. */
    static Augmentation randomShift(int maxPixels) {
        return (x, shape, rng) -> {
            int c = (int) shape.get(0);
            int h = (int) shape.get(1);
            int w = (int) shape.get(2);
            int dy = rng.nextInt(2 * maxPixels + 1) - maxPixels;
            int dx = rng.nextInt(2 * maxPixels + 1) - maxPixels;
            float[] src = x.clone();
            java.util.Arrays.fill(x, 0f);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y - dy;
                    if (sy < 0 || sy >= h) {
                        continue;
                    }
                    for (int xx = 0; xx < w; xx++) {
                        int sx = xx - dx;
                        if (sx >= 0 && sx < w) {
                            x[(ch * h + y) * w + xx] = src[(ch * h + sy) * w + sx];
                        }
                    }
                }
            }
        };
    }
}
