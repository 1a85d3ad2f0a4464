package dev.frost.data;

import java.util.SplittableRandom;

/**
 * The order examples are visited in an epoch: a Fisher-Yates shuffle seeded by (seed, epoch) alone, so a run resumed
 * at any epoch visits exactly the examples the uninterrupted run would have.
 */
public final class EpochOrder {
    private EpochOrder() {}

    public static int[] of(int size, long seed, int epoch, boolean shuffle) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }
}
