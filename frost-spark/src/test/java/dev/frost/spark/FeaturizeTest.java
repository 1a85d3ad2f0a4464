package dev.frost.spark;

import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import dev.frost.cli.train.FrozenPrefix;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.cache.Precision;
import dev.frost.freeze.optim.AdamW;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost featurize on local[2,2] (a failed task is retried once) against the in-process activation cache. */
class FeaturizeTest {
    private static final int N = 240;
    @TempDir
    static Path tmp;
    private static SparkSession spark;
    private static Path config;

    @BeforeAll
    static void setUp() throws IOException {
        spark = Sessions.open("local[2,2]");
        Random r = new Random(5);
        StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < N; i++) {
            int label = i % 3;
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%d%n", r.nextGaussian() + label,
                    r.nextGaussian(), r.nextGaussian() - label, r.nextGaussian(), label));
        }
        Path data = tmp.resolve("data.csv");
        Files.writeString(data, csv);
        config = tmp.resolve("tabular.yaml");
        Files.writeString(config, "run: {seed: 7}\n"
                + "data: {type: csv, train: " + data + ", split: {valid: 0.0, test: 0.0}}\n"
                + "model: {type: mlp, hidden: [16, 8]}\n"
                + "strategy: {type: feature-extraction}\n"
                + "trainer: {batch_size: 16, epochs: 2, progress_bar: false}\n");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
        PrefixPool.closeAll();
    }

    private static Recipe recipe(String... sets) {
        return new Recipe.Config(FrozenPrefix.resolvedYaml(config, List.of(sets)));
    }

    private static Featurizer.Options options() {
        return Featurizer.Options.defaults().withRowsPerShard(100).withBatchSize(8);
    }

    /** The feature set's rows by id; fails on a duplicate id. */
    private static Map<Integer, float[]> rows(Path dir) {
        Map<Integer, float[]> out = new HashMap<>();
        ParquetFeatures.open(dir).forEachRow((id, row) -> assertEquals(null, out.put(id, row.clone()),
                "duplicate id " + id));
        return out;
    }

    /** The rows Frost's in-process cache builds, batches in a shuffled order as a trainer fills it. */
    private static float[][] cacheRows(Recipe recipe, Precision precision) {
        try (FrozenPrefix p = recipe.open();
             ActivationCache cache = new ActivationCache(CacheConfig.defaults().withPrecision(precision));
             NDManager m = NDManager.newBaseManager()) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, new Random(1));
            float[][] out = new float[N][];
            for (int from = 0; from < N; from += 16) {
                int[] idx = order.subList(from, from + 16).stream().mapToInt(Integer::intValue).toArray();
                float[] v = cache.activations(p.model(), p.data(), idx, p.boundary(), 0, 1, null, 0, m)
                        .toFloatArray();
                int len = v.length / idx.length;
                for (int i = 0; i < idx.length; i++) {
                    out[idx[i]] = java.util.Arrays.copyOfRange(v, i * len, (i + 1) * len);
                }
            }
            return out;
        }
    }

    private static void assertBitEqual(float[][] expected, Map<Integer, float[]> actual) {
        assertEquals(N, actual.size());
        for (int i = 0; i < N; i++) {
            float[] a = actual.get(i);
            assertEquals(expected[i].length, a.length);
            for (int j = 0; j < a.length; j++) {
                assertEquals(Float.floatToRawIntBits(expected[i][j]), Float.floatToRawIntBits(a[j]),
                        "row " + i + " value " + j);
            }
        }
    }

    @Test
    void parquetRowsEqualTheCacheBitForBitAndARerunSkipsWrittenShards() {
        for (Precision p : List.of(Precision.FLOAT32, Precision.FLOAT16)) {
            Recipe recipe = recipe("strategy.cache.precision=" + p.name().toLowerCase(Locale.ROOT));
            Path out = tmp.resolve("features-" + p);
            Featurizer.Result r = Featurizer.run(spark, recipe, out, options());
            assertEquals(3, r.shardsWritten());
            assertEquals(PrefixPool.get(recipe).key(), r.manifest().key());
            assertTrue(r.manifest().key().contains("|precision=" + p.name()));
            assertBitEqual(cacheRows(recipe, p), rows(out));
        }
        Path out = tmp.resolve("features-" + Precision.FLOAT32);
        Featurizer.Result again = Featurizer.run(spark, recipe("strategy.cache.precision=float32"), out, options());
        assertEquals(0, again.shardsWritten());
        // an interrupted run: the manifest and one shard missing; the rerun writes that shard only
        delete(out.resolve(FeatureManifest.FILE));
        deleteTree(out.resolve("shard=1"));
        Featurizer.Result resumed = Featurizer.run(spark, recipe("strategy.cache.precision=float32"), out,
                options());
        assertEquals(1, resumed.shardsWritten());
        assertEquals(2, resumed.shardsSkipped());
        assertEquals(N, rows(out).size());
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndEveryRowIsWrittenExactlyOnce() {
        Recipe recipe = recipe();
        Path out = tmp.resolve("features-retry");
        int before = FeatureRows.DELIBERATE_FAILURES.get();
        Featurizer.run(spark, recipe, out, options().withFailPartitionOnce(0));
        assertEquals(before + 1, FeatureRows.DELIBERATE_FAILURES.get(), "the first attempt failed");
        var df = spark.read().parquet(out.toString());
        assertEquals(N, df.count());
        assertEquals(N, df.select("id").distinct().count());
        assertBitEqual(cacheRows(recipe, Precision.FLOAT32), rows(out));
    }

    @Test
    void aFeatureSetForAnotherKeyIsRefusedInOneLine() {
        Path out = tmp.resolve("features-key");
        Featurizer.run(spark, recipe(), out, options());
        Recipe other = recipe("run.seed=8"); // another initialization: the prefix weights differ
        FrostException onRerun = assertThrows(FrostException.class,
                () -> Featurizer.run(spark, other, out, options()));
        assertOneLine(onRerun, "weights");
        try (FrozenPrefix p = other.open(); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(p.model(), opt, config(CacheConfig.defaults().withFeatures(out)));
            FrostException onTrain = assertThrows(FrostException.class, () -> t.fit(p.data(), null, 1));
            assertOneLine(onTrain, "weights");
            assertTrue(onTrain.getMessage().contains(out.toString()), onTrain.getMessage());
        }
    }

    private static void assertOneLine(FrostException e, String names) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("another key") && e.getMessage().contains(names), e.getMessage());
    }

    @Test
    void aHeadTrainedFromParquetEqualsAHeadTrainedFromTheCache() {
        Recipe recipe = recipe();
        Path out = tmp.resolve("features-head");
        Featurizer.run(spark, recipe, out, options());
        Map<String, float[]> fromCache;
        Map<String, float[]> fromParquet;
        try (FrozenPrefix p = recipe.open(); AdamW opt = new AdamW()) {
            FitResult r = new Trainer(p.model(), opt, config(CacheConfig.defaults())).fit(p.data(), null, 2);
            assertTrue(r.cache().misses() > 0, "the in-memory cache computed its rows");
            fromCache = parameters(p.model());
        }
        Path saved = tmp.resolve("head-checkpoint");
        try (FrozenPrefix p = recipe.open(); AdamW opt = new AdamW()) {
            FitResult r = new Trainer(p.model(), opt, config(CacheConfig.defaults().withMemoryBudget(0)
                    .withSpillDir(tmp.resolve("spill")).withFeatures(out))).fit(p.data(), null, 2);
            assertEquals(0, r.cache().misses(), "every row came from Parquet (through the spill-file tier)");
            assertEquals("disk", r.cache().tier());
            fromParquet = parameters(p.model());
            Checkpoints.saveModel(saved, p.model()); // Frost's JSON (checkpoint manifest) with Spark's Jackson
        }
        assertEquals(fromCache.keySet(), fromParquet.keySet());
        boolean headMoved = false;
        try (FrozenPrefix p = recipe.open()) {
            Map<String, float[]> init = parameters(p.model());
            for (String k : fromCache.keySet()) {
                assertArrayEquals(bits(fromCache.get(k)), bits(fromParquet.get(k)), k);
                headMoved |= !java.util.Arrays.equals(init.get(k), fromCache.get(k));
            }
            Checkpoints.loadModel(saved, p.model());
            assertEquals(Checkpoints.readManifest(saved).toString(), Checkpoints.readManifest(saved).toString());
            for (String k : fromParquet.keySet()) {
                assertArrayEquals(bits(fromParquet.get(k)), bits(parameters(p.model()).get(k)), k);
            }
        }
        assertTrue(headMoved, "training changed the head");
    }

    @Test
    void frostTrainReadsTheFeatureSetFromItsConfigAndRefusesAnotherKey() {
        Path out = tmp.resolve("features-cli");
        Featurizer.run(spark, recipe("run.seed=8"), out, options());
        String features = "strategy.cache.features=" + out;
        int refused = dev.frost.cli.FrostCli.execute("train", config.toString(), "--set", features,
                "--set", "run.dir=" + tmp.resolve("run-refused"), "--set", "trainer.epochs=1");
        assertNotEquals(0, refused, "run.seed 7 initializes another prefix than the feature set's");
        int ok = dev.frost.cli.FrostCli.execute("train", config.toString(), "--set", features,
                "--set", "run.seed=8", "--set", "run.dir=" + tmp.resolve("run-ok"), "--set", "trainer.epochs=1");
        assertEquals(0, ok);
    }

    private static TrainConfig config(CacheConfig cache) {
        return TrainConfig.builder().optBatchSize(16).optSeed(3).optLearningRate(1e-2).optCache(cache)
                .optProgressBar(false).optMeasureFullStep(false).build();
    }

    private static Map<String, float[]> parameters(FrostModel model) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        model.layers().forEach(l -> l.allParameters().forEach((name, p) ->
                out.put(l.name() + "." + name, p.getArray().toFloatArray())));
        return out;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static void delete(Path f) {
        assertTrue(f.toFile().delete(), "deleted " + f);
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertFalse(Files.exists(dir));
        assertNotEquals(null, dir);
    }
}
