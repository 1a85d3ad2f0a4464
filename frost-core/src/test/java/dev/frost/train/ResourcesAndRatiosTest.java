package dev.frost.train;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Native resources stay flat over many steps and fits; the measured speed-ups cannot quietly regress. */
class ResourcesAndRatiosTest {
    private static final ArrayDataset SMALL = SyntheticData.classification("small", 64, new Shape(16), 4, 1);

    private static TrainConfig.Builder cfg() {
        return TrainConfig.builder().optBatchSize(8).optLearningRate(1e-2).optProgressBar(false);
    }

    /** Arrays and sub-managers a manager holds (DJL keeps them in a private map). */
    private static int handles(NDManager m) throws Exception {
        Field f = BaseNDManager.class.getDeclaredField("resources");
        f.setAccessible(true);
        return ((Map<?, ?>) f.get(m)).size();
    }

    @Test
    void twoThousandStepsAndTwoHundredFitsLeaveNoArraysBehind() throws Exception {
        try (FrostModel m = Models.mlp(16, new int[] {32}, 4, 1)) {
            try (AdamW opt = new AdamW()) {
                Trainer t = new Trainer(m, opt, cfg().build());
                t.fit(SMALL, SMALL, 1);
                int handles = handles(m.manager());
                t.fit(SMALL, SMALL, 250); // 2,000 steps
                assertEquals(handles, handles(m.manager()), "arrays left on the model's manager");
            }
            int before = handles(m.manager());
            for (int i = 0; i < 200; i++) {
                try (Sgd opt = new Sgd(0.9, false, 1e-4)) {
                    new Trainer(m, opt, cfg().build()).fit(SMALL, null, 1);
                }
            }
            assertEquals(before, handles(m.manager()), "200 fits left arrays behind");
        }
    }

    @Test
    void residentMemoryStaysFlatOverStepsAndFits() throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xms64m", "-Xmx64m",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), NativeMemoryChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        String[] last = out.lines().filter(l -> l.startsWith("steps ")).findFirst().orElseThrow().split(" ");
        long steps = Long.parseLong(last[1]);
        long fits = Long.parseLong(last[3]);
        assertTrue(steps < 32L << 20, "2,000 steps grew the resident memory by " + steps / 1e6 + " MB");
        assertTrue(fits < 32L << 20, "200 fits grew the resident memory by " + fits / 1e6 + " MB");
    }

    @Test
    void headOnlyStepsStayFarCheaperThanFullStepsAndHeadOnlyEpochsAreAllCacheHits() throws Exception {
        JsonNode base = new ObjectMapper().readTree(getClass().getResourceAsStream("/baselines/ratios.json"));
        ArrayDataset images = SyntheticData.classification("mlp", 512, new Shape(784), 10, 3);
        try (FrostModel m = Models.mlp(784, new int[] {1024, 1024, 1024}, 10, 2);
             AdamW opt = new AdamW(); NDManager mgr = m.manager().newSubManager()) {
            Trainer t = new Trainer(m, opt, cfg().optBatchSize(256).build());
            NDArray x = images.features(mgr, images.naturalOrder(), 0, 256);
            NDArray y = images.labels(mgr, images.naturalOrder(), 0, 256);
            double[] full = new double[9];
            double[] head = new double[9];
            for (int r = -2; r < full.length; r++) { // two warm-up rounds, modes interleaved
                m.unfreeze();
                m.applyFreezeState();
                long t0 = System.nanoTime();
                t.trainStep(x, y, 1e-4, m.frozenPrefixLength());
                long t1 = System.nanoTime();
                m.freeze();
                m.applyFreezeState();
                t.trainStep(x, y, 1e-4, m.frozenPrefixLength());
                long t2 = System.nanoTime();
                if (r >= 0) {
                    full[r] = t1 - t0;
                    head[r] = t2 - t1;
                }
            }
            Arrays.sort(full);
            Arrays.sort(head);
            double ratio = head[4] / full[4];
            assertTrue(ratio < base.path("mlpHeadOnlyOverFullLimit").asDouble(), "head-only/full step = " + ratio
                    + " (baseline " + base.path("mlpHeadOnlyOverFull").asDouble() + ")");
        }
        try (FrostModel m = Models.mlp(784, new int[] {64, 64}, 10, 2); AdamW opt = new AdamW()) {
            m.freeze();
            FitResult r = new Trainer(m, opt, cfg().optBatchSize(64).optCache(CacheConfig.defaults()).build())
                    .fit(images, null, 3);
            long examplesAfterFirst = 2L * images.size();
            double hitRate = (r.cache().hits() - 0) / (double) (r.cache().hits() + r.cache().misses() - images.size());
            assertEquals(base.path("cacheHitRateAfterFirstEpoch").asDouble(), hitRate, 1e-12,
                    "every row after the first epoch comes from the cache");
            assertEquals(examplesAfterFirst, r.cache().hits());
        }
    }
}
