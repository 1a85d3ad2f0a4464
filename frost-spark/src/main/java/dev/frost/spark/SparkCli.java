package dev.frost.spark;

import dev.frost.FrostException;
import dev.frost.cli.FrostCli;
import dev.frost.cli.train.FrozenPrefix;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./frost featurize CONFIG [--out DIR] [--master M] [--set key=value]... [--batch N] [--threads N]
 * [--rows-per-shard N]}, {@code ./frost featurize --bench [--limit N] [--data DIR] [--master M]}; any other
 * arguments run the ordinary Frost CLI with this module on the classpath ({@code ./frost spark train CONFIG} reads
 * Parquet feature sets). This is also the main class for spark-submit.
 */
public final class SparkCli {
    private SparkCli() {}

    public static void main(String[] args) {
        if (args.length == 0 || !args[0].equals("featurize")) {
            FrostCli.main(args);
            return;
        }
        try {
            System.exit(featurize(List.of(args).subList(1, args.length)));
        } catch (FrostException e) {
            System.err.println("frost featurize: " + e.getMessage());
            System.exit(2);
        }
    }

    static int featurize(List<String> args) {
        String config = null;
        String out = null;
        String master = null;
        String data = "data/fashion-mnist";
        boolean bench = false;
        int limit = 0;
        List<String> sets = new ArrayList<>();
        Featurizer.Options o = Featurizer.Options.defaults();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--out" -> out = value(args, ++i, a);
                case "--master" -> master = value(args, ++i, a);
                case "--set" -> sets.add(value(args, ++i, a));
                case "--batch" -> o = o.withBatchSize(number(args, ++i, a, 1));
                case "--threads" -> o = o.withThreads(number(args, ++i, a, 1));
                case "--rows-per-shard" -> o = o.withRowsPerShard(number(args, ++i, a, 1));
                case "--bench" -> bench = true;
                case "--limit" -> limit = number(args, ++i, a, 0);
                case "--data" -> data = value(args, ++i, a);
                case "-h", "--help" -> {
                    System.out.println("usage: frost featurize CONFIG [--out DIR] [--master local[*]] [--set k=v]..."
                            + " [--batch 256] [--threads 1] [--rows-per-shard 100000]\n"
                            + "       frost featurize --bench [CONFIG [--set k=v]...] [--limit N] [--data data/fashion-mnist]"
                            + " [--master local[2]]");
                    return 0;
                }
                default -> {
                    if (a.startsWith("-") || config != null) {
                        throw new FrostException("unknown argument '" + a + "' (see frost featurize --help)");
                    }
                    config = a;
                }
            }
        }
        if (bench) {
            // a config measures its own prefix and data (e.g. MiniLM's frozen layers over e-mails); else Fashion-MNIST
            Recipe recipe = config == null
                    ? new FashionRecipe(Path.of(data).toAbsolutePath().toString(), limit)
                    : new Recipe.Config(FrozenPrefix.resolvedYaml(Path.of(config), sets));
            return FeaturizeBench.run(recipe, master == null ? "local[2]" : master, o);
        }
        if (config == null) {
            throw new FrostException("featurize needs a config file (the frost train config of the run to cache)");
        }
        Path cfg = Path.of(config);
        Path dir = Path.of(out != null ? out : "runs/features/" + cfg.getFileName().toString()
                .replaceFirst("\\.[^.]*$", "")).toAbsolutePath();
        Recipe recipe = new Recipe.Config(FrozenPrefix.resolvedYaml(cfg, sets));
        SparkSession spark;
        try {
            spark = Sessions.open(master);
        } catch (Exception e) { // Spark's own error is a page of stack trace (SparkException is checked)
            throw new FrostException("--master " + master + ": cannot start Spark: " + dev.frost.Untrusted.reason(e),
                    e);
        }
        try {
            Featurizer.Result r = Featurizer.run(spark, recipe, dir, o);
            FeatureManifest m = r.manifest();
            System.out.printf(Locale.ROOT, "featurized %,d rows of %s (%s) after layer %d into %s: %d shards"
                            + " written, %d already there, %.1f s%n", m.rows(), m.rowShape(), m.precision(),
                    m.boundary(), dir, r.shardsWritten(), r.shardsSkipped(), r.seconds());
            System.out.println("train from it: set strategy.cache.features: " + dir + " (./frost spark train "
                    + config + ")");
            return 0;
        } finally {
            spark.stop();
            PrefixPool.closeAll();
        }
    }

    private static String value(List<String> args, int i, String flag) {
        if (i >= args.size()) {
            throw new FrostException(flag + " needs a value");
        }
        return args.get(i);
    }

    private static int number(List<String> args, int i, String flag, int min) {
        String v = value(args, i, flag);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new FrostException(flag + ": not a number: '" + v + "'");
        }
        if (n < min) {
            throw new FrostException(flag + " must be >= " + min + ", got " + n);
        }
        return n;
    }
}
