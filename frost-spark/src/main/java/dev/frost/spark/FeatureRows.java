package dev.frost.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import dev.frost.data.Batch;
import dev.frost.data.Dataset;
import dev.frost.data.HostBatch;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.cache.Precision;
import dev.frost.model.FrostModel;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The task body: example ids in, feature rows out, one batch at a time (a partition is never held in memory). The
 * prefix comes from the JVM's {@link PrefixPool}; a prefix whose key differs from the driver's (another checkpoint
 * or data file on this node) fails the task rather than writing rows under the wrong key.
 */
final class FeatureRows implements MapPartitionsFunction<Long, Row> {
    /** id: the example's index; label: its label values; activations: the row as the cache stores it. */
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("label", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("activations", DataTypes.BinaryType, false);

    /** Deliberate failures thrown in this JVM (tests check that the retry really happened). */
    static final AtomicInteger DELIBERATE_FAILURES = new AtomicInteger();

    private final Recipe recipe;
    private final String key;
    private final int batchSize;
    private final int threads;
    private final int failPartitionOnce;

    FeatureRows(Recipe recipe, String key, int batchSize, int threads, int failPartitionOnce) {
        this.recipe = recipe;
        this.key = key;
        this.batchSize = batchSize;
        this.threads = threads;
        this.failPartitionOnce = failPartitionOnce;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> ids) {
        PrefixPool.threads(threads);
        PrefixPool.Opened p = PrefixPool.get(recipe);
        if (!p.key().equals(key)) {
            throw new FrostException("this executor's frozen prefix has another key than the driver's: "
                    + ActivationCache.keyDifference(key, p.key()) + " (same checkpoint and data on every node?)");
        }
        FrostModel model = p.prefix().model();
        Dataset data = p.prefix().data();
        int boundary = p.prefix().boundary();
        Precision precision = p.prefix().precision();
        int width = data.labelWidth();
        TaskContext task = TaskContext.get();
        boolean fail = task != null && task.partitionId() == failPartitionOnce && task.attemptNumber() == 0;
        return new Iterator<>() {
            private final List<Row> rows = new ArrayList<>();
            private int pos;
            private int batches;

            @Override
            public boolean hasNext() {
                if (pos < rows.size()) {
                    return true;
                }
                if (!ids.hasNext()) {
                    return false;
                }
                if (fail && batches == 1) {
                    // for the retry test: rows of the first batch are already in this attempt's output file
                    DELIBERATE_FAILURES.incrementAndGet();
                    throw new IllegalStateException("deliberate failure of partition " + failPartitionOnce
                            + ", attempt 0");
                }
                nextBatch();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return rows.get(pos++);
            }

            private void nextBatch() {
                rows.clear();
                pos = 0;
                int[] idx = new int[batchSize];
                int n = 0;
                while (n < batchSize && ids.hasNext()) {
                    idx[n++] = Math.toIntExact(ids.next());
                }
                idx = java.util.Arrays.copyOf(idx, n);
                float[] out;
                float[][] labels = new float[n][width];
                HostBatch host;
                // the executor's tasks share one dataset; readers (image decoding, tokenizing) need not be
                // thread-safe, and reading is cheap next to the forward pass, so reads take turns
                synchronized (data) {
                    host = HostBatch.read(data, idx, null, 0);
                    for (int i = 0; i < n; i++) {
                        data.readLabel(idx[i], labels[i], 0);
                    }
                }
                try (NDManager m = PrefixPool.manager().newSubManager()) {
                    Batch b = host.toEngine(m);
                    NDArray h = model.runFrozen(b.features(), b.sideInputs(), 0, boundary);
                    out = h.toFloatArray();
                }
                int len = out.length / n;
                for (int i = 0; i < n; i++) {
                    List<Float> l = new ArrayList<>(width);
                    for (float v : labels[i]) {
                        l.add(v);
                    }
                    // the row encoder takes a Scala Seq for an array column
                    rows.add(RowFactory.create((long) idx[i], scala.jdk.javaapi.CollectionConverters.asScala(l),
                            precision.encode(out, i * len, len)));
                }
                batches++;
            }
        };
    }
}
