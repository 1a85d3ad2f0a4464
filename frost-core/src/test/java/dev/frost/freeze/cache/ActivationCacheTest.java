package dev.frost.freeze.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Augmentation;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationCacheTest {
    private static final ArrayDataset DATA = SyntheticData.classification("imgs", 80, new Shape(1, 28, 28), 10, 2);

    private static FrostModel model() {
        return Models.cnn(new int[] {4, 8, 8}, 10, 5);
    }

    private static TrainConfig config(CacheConfig cache) {
        return TrainConfig.builder().setEpochs(3).optBatchSize(16).optLearningRate(3e-3).optSeed(9)
                .optProgressBar(false).optMeasureFullStep(false).optCache(cache).build();
    }

    @Test
    void cachedAndUncachedTrainingGiveBitIdenticalWeights(@TempDir Path dir) {
        Map<String, float[]> plain;
        try (FrostModel m = model()) {
            m.freezeTo(2);
            new Trainer(m, new AdamW(), config(null)).fit(DATA, DATA);
            plain = Snapshots.of(m);
        }
        for (CacheConfig cfg : new CacheConfig[] {CacheConfig.defaults(),
            CacheConfig.defaults().withMemoryBudget(0).withSpillDir(dir)}) {
            try (FrostModel m = model()) {
                m.freezeTo(2);
                FitResult r = new Trainer(m, new AdamW(), config(cfg)).fit(DATA, DATA);
                Map<String, float[]> cached = Snapshots.of(m);
                plain.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k + " with " + cfg));
                // epoch 1 fills the training rows (and valid rows), epochs 2 and 3 are hits
                // valid is the same data, so it shares the training rows: only epoch 1's training batches miss
                assertEquals(3L * 2 * DATA.size() - DATA.size(), r.cache().hits(), "hits");
                assertEquals(r.cache().tier(), cfg.memoryBudgetBytes() == 0 ? "disk" : "memory");
                assertTrue(r.epochs().get(2).forwardFlops() < r.epochs().get(0).forwardFlops(),
                        "cached epochs skip the frozen forward");
            }
        }
    }

    @Test
    void changedWeightsDataOrBoundaryAreRecomputedAndDeeperBoundaryStartsFromTheCachedOne() {
        try (FrostModel m = model(); NDManager mgr = m.manager().newSubManager();
             ActivationCache cache = new ActivationCache(CacheConfig.defaults())) {
            m.freezeTo(3);
            m.applyFreezeState();
            int[] order = DATA.naturalOrder();
            int b4 = 4;   // after block1
            NDArray first = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, 40), b4, 0, 1, null, 0, mgr);
            assertEquals(40, cache.lastComputed());
            NDArray again = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, 40), b4, 0, 1, null, 0, mgr);
            assertEquals(0, cache.lastComputed());
            assertArrayEquals(first.toFloatArray(), again.toFloatArray());
            NDArray direct = m.runFrozen(DATA.features(mgr, order, 0, 40), 0, b4);
            assertArrayEquals(direct.toFloatArray(), first.toFloatArray());

            // deeper boundary: computed from the cached rows after block1, equal to computing from raw input
            NDArray deep = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, 40), 8, 0, 1, null, 0, mgr);
            assertEquals(40, cache.lastComputed());
            NDArray deepDirect = m.runFrozen(DATA.features(mgr, order, 0, 40), 0, 8);
            assertArrayEquals(deepDirect.toFloatArray(), deep.toFloatArray(), 1e-6f);

            // a changed frozen weight changes the key once weights are re-hashed (each epoch)
            m.layer("conv1").learnableParameters().get("weight").getArray().muli(1.5f);
            cache.newEpoch();
            cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, 40), b4, 0, 1, null, 0, mgr);
            assertEquals(40, cache.lastComputed(), "stale rows must not be served after a weight change");

            // other data
            ArrayDataset other = SyntheticData.classification("imgs", 80, new Shape(1, 28, 28), 10, 3);
            cache.activations(m, other, java.util.Arrays.copyOfRange(order, 0, 10), b4, 0, 1, null, 0, mgr);
            assertEquals(10, cache.lastComputed());
        }
    }

    @Test
    void spillFileIsReusedByALaterRunAndACorruptOneIsRebuilt(@TempDir Path dir) throws Exception {
        CacheConfig cfg = CacheConfig.defaults().withMemoryBudget(0).withSpillDir(dir).withKeptSpillFiles(true);
        int[] order = DATA.naturalOrder();
        float[] expected;
        try (FrostModel m = model(); NDManager mgr = m.manager().newSubManager()) {
            m.freeze();
            try (ActivationCache cache = new ActivationCache(cfg)) {
                expected = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, DATA.size()), 12, 0, 1, null, 0, mgr).toFloatArray();
                assertEquals("disk", cache.stats().tier());
            }
            Path file;
            try (var files = Files.list(dir)) {
                file = files.filter(p -> p.toString().endsWith(".bin")).findFirst().orElseThrow();
            }
            try (ActivationCache cache = new ActivationCache(cfg)) {
                float[] reused = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, DATA.size()), 12, 0, 1, null, 0, mgr).toFloatArray();
                assertEquals(0, cache.lastComputed(), "a complete file for the same key is reused");
                assertArrayEquals(expected, reused);
            }
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length - 5] ^= 0x7F;
            Files.write(file, bytes);
            try (ActivationCache cache = new ActivationCache(cfg)) {
                float[] rebuilt = cache.activations(m, DATA, java.util.Arrays.copyOfRange(order, 0, DATA.size()), 12, 0, 1, null, 0, mgr).toFloatArray();
                assertEquals(DATA.size(), cache.lastComputed(), "a corrupt file is rejected and rebuilt");
                assertArrayEquals(expected, rebuilt);
            }
        }
    }

    @Test
    void liveBatchNormDropoutAndAugmentationAreRefusedWithAReason() {
        try (FrostModel m = model()) {
            m.freeze();
            assertNull(ActivationCache.refusal(m, 12, false));
            m.setTrainBn(true);
            String why = ActivationCache.refusal(m, 12, false);
            assertNotNull(why);
            assertTrue(why.contains("bn1") && why.contains("trainBn"), why);
            m.setTrainBn(false);
            why = ActivationCache.refusal(m, 12, true);
            assertTrue(why.contains("augmentation") && why.contains("views"), why);
        }
        try (FrostModel m = FrostModel.builder(new Shape(6)).addGroup("in", dev.frost.layers.Layers.dropout("drop", 0.2f))
                .addGroup("head", dev.frost.layers.Layers.linear("fc", 2)).build()) {
            m.applyFreezeState();
            assertEquals(1, m.frozenPrefixLength(), "dropout has nothing to train, so it leads the prefix");
            String why = ActivationCache.refusal(m, 1, false);
            assertTrue(why != null && why.contains("dropout 'drop'"), why);
            m.group("in").freeze();
            assertNull(ActivationCache.refusal(m, 1, false), "frozen dropout runs in inference mode");
        }
    }

    @Test
    void augmentedViewsAreCachedAndMatchRecomputedViews() {
        TrainConfig.Builder b = TrainConfig.builder().setEpochs(4).optBatchSize(16).optSeed(3).optProgressBar(false)
                .optMeasureFullStep(false).optAugmentation(Augmentation.randomShift(2), 2);
        Map<String, float[]> cachedWeights;
        FitResult r;
        try (FrostModel m = model()) {
            m.freeze();
            r = new Trainer(m, new AdamW(), b.optCache(CacheConfig.defaults()).build()).fit(DATA, null);
            cachedWeights = Snapshots.of(m);
        }
        assertEquals(2L * DATA.size(), r.cache().misses(), "two views are computed, epochs 3 and 4 reuse them");
        try (FrostModel m = model()) {
            m.freeze();
            // without the cache every view is recomputed: epoch e still sees view e mod 2
            new Trainer(m, new AdamW(), b.optCache(null).build()).fit(DATA, null);
            Map<String, float[]> w = Snapshots.of(m);
            cachedWeights.forEach((k, v) -> assertArrayEquals(v, w.get(k), k));
        }
    }

    @Test
    void halfPrecisionsHalveTheBytesWithinTheirRoundingError() {
        float[] values = {0f, 1f, -2.5f, 3.14159f, 1e-3f, 65504f, 1e-6f, -0.333333f};
        for (Precision p : new Precision[] {Precision.FLOAT16, Precision.BFLOAT16}) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(values.length * 2);
            p.write(buf, 0, values, 0, values.length);
            float[] back = new float[values.length];
            p.read(buf, 0, back, 0, values.length);
            double rel = p == Precision.FLOAT16 ? 1.0 / 2048 : 1.0 / 256;
            for (int i = 0; i < values.length; i++) {
                double tol = Math.max(Math.abs(values[i]) * rel, p == Precision.FLOAT16 ? 6e-8 : 1e-40);
                assertEquals(values[i], back[i], tol, p + " value " + values[i]);
            }
        }
        assertEquals(0x3C00, Precision.toHalf(1f) & 0xFFFF);
        assertEquals(0x7C00, Precision.toHalf(1e6f) & 0xFFFF);
        assertEquals(0x3F80, Precision.toBfloat16(1f) & 0xFFFF);
    }

    /** Unfreezes the prefix at step 2 and freezes it again at step 4, all within the first epoch. */
    private static Map<String, float[]> unfreezeAndRefreezeWithinAnEpoch(CacheConfig cfg) {
        try (FrostModel m = model()) {
            m.freezeTo(2);
            dev.frost.train.Callback flip = new dev.frost.train.Callback() {
                @Override
                public void beforeStep(dev.frost.train.TrainingContext ctx) {
                    if (ctx.globalStep() == 2) {
                        ctx.model().unfreeze();
                    } else if (ctx.globalStep() == 4) {
                        ctx.model().freezeTo(2);
                    }
                }
            };
            FitResult r = new Trainer(m, new AdamW(), config(cfg), flip).fit(DATA, DATA);
            Map<String, float[]> out = new java.util.LinkedHashMap<>(Snapshots.of(m));
            // validation after epoch 1 re-reads rows cached at steps 0-1, before the prefix was trained
            float[] losses = new float[r.epochs().size()];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = (float) r.epochs().get(i).validLoss();
            }
            out.put("valid_loss", losses);
            return out;
        }
    }

    @Test
    void aPrefixUnfrozenAndFrozenAgainWithinAnEpochIsNeverServedStale() {
        Map<String, float[]> plain = unfreezeAndRefreezeWithinAnEpoch(null);
        Map<String, float[]> cached = unfreezeAndRefreezeWithinAnEpoch(CacheConfig.defaults());
        plain.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k));
    }

    @Test
    void spillFilesAreRemovedAtTheEndUnlessKept(@TempDir Path dir) throws Exception {
        for (boolean keep : new boolean[] {false, true}) {
            Path d = dir.resolve("keep-" + keep);
            try (FrostModel m = model()) {
                m.freezeTo(2);
                new Trainer(m, new AdamW(), config(CacheConfig.defaults().withMemoryBudget(0).withSpillDir(d)
                        .withKeptSpillFiles(keep))).fit(DATA, null);
            }
            try (var files = Files.list(d)) {
                assertEquals(keep ? 1 : 0, files.filter(p -> p.toString().endsWith(".bin")).count(), "keep " + keep);
            }
        }
    }

    @Test
    void anEntryThatSpillsEvictsNothing(@TempDir Path dir) {
        int[] all = DATA.naturalOrder();
        try (FrostModel m = model(); NDManager mgr = m.manager().newSubManager()) {
            m.freeze();
            // the pooled boundary (12) is small and fits the budget; the first block's output (4) does not
            long small = (long) DATA.size() * m.layers().get(11).outputShape().size() * 4;
            CacheConfig cfg = CacheConfig.defaults().withMemoryBudget(small + 16).withSpillDir(dir);
            try (ActivationCache cache = new ActivationCache(cfg)) {
                cache.activations(m, DATA, all, 12, 0, 1, null, 0, mgr);
                assertEquals("memory", cache.stats().tier());
                cache.activations(m, DATA, all, 4, 0, 1, null, 0, mgr);
                assertEquals("disk", cache.stats().tier());
                cache.activations(m, DATA, all, 12, 0, 1, null, 0, mgr);
                assertEquals(0, cache.lastComputed(), "the small entry is still on the heap");
            }
        }
    }

    @Test
    void theHeapBudgetNeverExceedsHalfTheMaximumHeap() {
        assertTrue(CacheConfig.defaults().withMemoryBudget(Long.MAX_VALUE).effectiveMemoryBudget()
                <= Runtime.getRuntime().maxMemory() / 2);
    }
}
