package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Runs a row-wise computation on at least {@link #MIN_ROWS} rows: a smaller batch is padded with copies of its last
 * row whose outputs are dropped. libtorch's matrix kernels take other code paths for a batch of 1 or 2 rows (measured:
 * on an AMD EPYC with AVX-512, a linear layer's rows in a 1- or 2-row batch are 2 ulps away from the same rows in a
 * batch of 4 or more), so without it a frozen prefix's output for an example would depend on the size of the batch it
 * came in: the activation cache (a row computed in epoch 1's tail batch, read back later) would no longer train the
 * same weights as uncached training, nor equal features computed elsewhere.
 */
public final class SmallBatches {
    /** Rows below which a batch is padded; 4, 5, 6, 8, 16 and 240 rows measured bit-identical, 1 and 2 not. */
    public static final int MIN_ROWS = 4;

    private SmallBatches() {}

    /**
     * {@code rowWise} over {@code input} and its per-example {@code side} inputs (batch first, as the input), padded
     * to {@link #MIN_ROWS} rows when it has fewer. The result belongs to {@code input}'s manager, as
     * {@code rowWise}'s would. Only for computations that treat rows independently (a frozen layer in inference mode).
     */
    public static NDArray padded(NDArray input, Map<String, NDArray> side,
                                 BiFunction<NDArray, Map<String, NDArray>, NDArray> rowWise) {
        long n = input.getShape().get(0);
        if (n >= MIN_ROWS || n == 0) {
            return rowWise.apply(input, side);
        }
        NDManager owner = input.getManager();
        try (NDManager scope = owner.newSubManager()) {
            Map<String, NDArray> paddedSide = new LinkedHashMap<>();
            side.forEach((k, v) -> paddedSide.put(k, pad(v, n, scope)));
            NDArray out = rowWise.apply(pad(input, n, scope), paddedSide).get(new NDIndex("0:{}", n));
            out.attach(owner);
            return out;
        }
    }

    private static NDArray pad(NDArray a, long n, NDManager scope) {
        NDList parts = new NDList(a);
        NDArray last = a.get(new NDIndex("{}:", n - 1));
        last.attach(scope);
        for (long i = n; i < MIN_ROWS; i++) {
            parts.add(last);
        }
        NDArray out = NDArrays.concat(parts, 0);
        out.attach(scope);
        return out;
    }
}
