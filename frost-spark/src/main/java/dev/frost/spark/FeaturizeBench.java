package dev.frost.spark;

import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import dev.frost.cli.train.FrozenPrefix;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.cache.CacheConfig;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code frost featurize --bench}: the Fashion-MNIST training images through the embedded base CNN's frozen
 * prefix (or a {@code frost train} config's prefix over its training data), once as Frost's single-JVM activation cache build (libtorch on all the JVM's threads) and once as the
 * Spark job writing Parquet (one libtorch thread per task slot), on the same cores; prints both throughputs and
 * their ratio. The model and data are loaded once, before either timing, and both sides are warmed up first (one
 * batch per task slot), so the ratio compares throughput, not Spark's and libtorch's one-time start costs.
 */
final class FeaturizeBench {
    private FeaturizeBench() {}

    static int run(Recipe recipe, String master, Featurizer.Options o) {
        SparkSession spark = Sessions.open(master);
        Path out = null;
        try {
            FrozenPrefix p = PrefixPool.get(recipe).prefix();
            int n = p.data().size();
            int jvmThreads = Integer.getInteger("ai.djl.pytorch.num_threads", 2);
            PrefixPool.threads(jvmThreads);
            cacheBuild(p, Math.min(n, o.batchSize()), o.batchSize()); // warm-up: first-call costs of libtorch
            double single = cacheBuild(p, n, o.batchSize());
            double body = taskBody(recipe, n, o);
            out = Files.createTempDirectory("frost-featurize-bench");
            Featurizer.warmUp(spark, recipe, out.resolve("warm-up"), o);
            Featurizer.Result r = Featurizer.run(spark, recipe, out.resolve("features"), o);
            double ratio = r.seconds() / single;
            System.out.printf(Locale.ROOT, "featurize %,d rows of %s after layer %d (%s), master %s%n", n,
                    p.data().name(), p.boundary(), r.manifest().rowShape(), master);
            System.out.printf(Locale.ROOT, "  single-JVM cache build (%d libtorch threads): %7.2f s  %8.0f rows/s%n",
                    jvmThreads, single, n / single);
            System.out.printf(Locale.ROOT, "  the task body alone, no Spark (%d threads):     %7.2f s  %8.0f rows/s%n",
                    jvmThreads, body, n / body);
            System.out.printf(Locale.ROOT, "  Spark to Parquet (%d thread(s) per task slot): %7.2f s  %8.0f rows/s%n",
                    o.threads(), r.seconds(), n / r.seconds());
            System.out.printf(Locale.ROOT, "  ratio Spark / single JVM: %.2fx (target <= 1.3x)%n", ratio);
            return 0;
        } catch (IOException e) {
            throw new FrostException("featurize --bench: " + e.getMessage(), e);
        } finally {
            spark.stop();
            PrefixPool.closeAll();
            delete(out);
        }
    }

    /** Seconds to fill a fresh activation cache with the first {@code n} rows, {@code batch} at a time. */
    static double cacheBuild(FrozenPrefix p, int n, int batch) {
        long t0 = System.nanoTime();
        try (ActivationCache cache = new ActivationCache(CacheConfig.defaults());
             NDManager m = NDManager.newBaseManager()) {
            for (int from = 0; from < n; from += batch) {
                int[] idx = IntStream.range(from, Math.min(n, from + batch)).toArray();
                cache.activations(p.model(), p.data(), idx, p.boundary(), 0, 1, null, 0, m).close();
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds of the Spark task's body (prefix, encoding, rows) over all ids in this thread, without Spark. */
    static double taskBody(Recipe recipe, int n, Featurizer.Options o) {
        long t0 = System.nanoTime();
        var it = new FeatureRows(recipe, PrefixPool.get(recipe).key(), o.batchSize(), 0, -1)
                .call(java.util.stream.LongStream.range(0, n).boxed().iterator());
        while (it.hasNext()) {
            it.next();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind
        }
    }
}
