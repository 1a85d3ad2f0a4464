package dev.frost.spark;

import dev.frost.FrostException;
import dev.frost.cli.train.FrozenPrefix;
import dev.frost.freeze.cache.ActivationCache;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a frozen prefix over a dataset on Spark and writes its boundary activations as Parquet, with the activation
 * cache's key. The ids are split into shards, each one Spark job whose output Spark commits atomically
 * ({@code shard=<i>/_SUCCESS}); a failed task is retried by Spark and only the successful attempt's file is
 * committed, so every id is written exactly once. A rerun with the same key skips committed shards; the manifest is
 * written last.
 */
public final class Featurizer {
    static final String KEY_FILE = "_key";

    /**
     * @param batchSize          examples per forward pass in a task
     * @param threads            libtorch intra-op threads per executor JVM (1 per task slot keeps cores busy once)
     * @param rowsPerShard       ids per shard (one Spark job each; the unit a rerun skips)
     * @param partitions         tasks per shard (0: Spark's default parallelism)
     * @param failPartitionOnce  for tests: the first attempt of this partition of shard 0 fails mid-way (-1: none)
     */
    public record Options(int batchSize, int threads, long rowsPerShard, int partitions, int failPartitionOnce) {
        public static Options defaults() {
            return new Options(256, 1, 100_000, 0, -1);
        }

        public Options withRowsPerShard(long n) {
            return new Options(batchSize, threads, n, partitions, failPartitionOnce);
        }

        public Options withFailPartitionOnce(int p) {
            return new Options(batchSize, threads, rowsPerShard, partitions, p);
        }

        public Options withBatchSize(int b) {
            return new Options(b, threads, rowsPerShard, partitions, failPartitionOnce);
        }

        public Options withThreads(int t) {
            return new Options(batchSize, t, rowsPerShard, partitions, failPartitionOnce);
        }
    }

    /** What a run did. */
    public record Result(FeatureManifest manifest, int shardsWritten, int shardsSkipped, double seconds) {}

    private Featurizer() {}

    public static Result run(SparkSession spark, Recipe recipe, Path out, Options o) {
        long t0 = System.nanoTime();
        FrozenPrefix p = PrefixPool.get(recipe).prefix();
        String key = PrefixPool.get(recipe).key();
        FeatureManifest done = FeatureManifest.read(out);
        if (done != null) {
            refuseOtherKey(out, done.key(), key);
            return new Result(done, 0, done.shards(), 0);
        }
        claim(out, key);
        long n = p.data().size();
        int shards = Math.toIntExact(Math.max(1, (n + o.rowsPerShard() - 1) / o.rowsPerShard()));
        int parts = o.partitions() > 0 ? o.partitions() : spark.sparkContext().defaultParallelism();
        int written = 0;
        for (int s = 0; s < shards; s++) {
            Path dir = out.resolve("shard=" + s);
            if (Files.exists(dir.resolve("_SUCCESS"))) {
                continue; // committed by an earlier run with this key
            }
            long from = s * o.rowsPerShard();
            long to = Math.min(n, from + o.rowsPerShard());
            spark.range(from, to, 1, parts)
                    .mapPartitions(new FeatureRows(recipe, key, o.batchSize(), o.threads(),
                            s == 0 ? o.failPartitionOnce() : -1), Encoders.row(FeatureRows.SCHEMA))
                    .write().mode(SaveMode.Overwrite).parquet(dir.toString());
            written++;
        }
        List<Long> shape = new ArrayList<>();
        for (long d : p.model().layers().get(p.boundary() - 1).outputShape().getShape()) {
            shape.add(d);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        FeatureManifest m = new FeatureManifest(FeatureManifest.FORMAT, 1, key, n, shape, p.precision().name(),
                p.boundary(), p.data().name(), p.data().labelWidth(), shards, o.rowsPerShard(), seconds);
        m.write(out);
        return new Result(m, written, shards - written, seconds);
    }

    /**
     * Runs the task body over the first batch of each task slot into {@code dir} (a throwaway folder): the
     * measurement's warm-up, paying Spark's first-query planning and code generation and libtorch's first calls.
     */
    static void warmUp(SparkSession spark, Recipe recipe, Path dir, Options o) {
        int parts = o.partitions() > 0 ? o.partitions() : spark.sparkContext().defaultParallelism();
        long n = Math.min(PrefixPool.get(recipe).prefix().data().size(), (long) parts * o.batchSize());
        spark.range(0, n, 1, parts)
                .mapPartitions(new FeatureRows(recipe, PrefixPool.get(recipe).key(), o.batchSize(), o.threads(), -1),
                        Encoders.row(FeatureRows.SCHEMA))
                .write().mode(SaveMode.Overwrite).parquet(dir.toString());
    }

    /** Records the key before any shard is written, so a rerun for another key cannot mix rows into this folder. */
    private static void claim(Path out, String key) {
        Path f = out.resolve(KEY_FILE);
        try {
            if (Files.exists(f)) {
                refuseOtherKey(out, Files.readString(f, StandardCharsets.UTF_8), key);
                return;
            }
            Files.createDirectories(out);
            Files.writeString(f, key, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FrostException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    private static void refuseOtherKey(Path out, String theirs, String ours) {
        String diff = ActivationCache.keyDifference(theirs, ours);
        if (diff != null) {
            throw new FrostException("--out " + out + " holds features for another key: " + diff
                    + "; choose another --out or delete it");
        }
    }
}
