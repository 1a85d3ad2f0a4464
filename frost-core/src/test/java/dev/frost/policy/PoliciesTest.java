package dev.frost.policy;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.Sgd;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoliciesTest {
    static final ArrayDataset DATA = SyntheticData.classification("v", 160, new Shape(12), 3, 8);

    static FrostModel mlp() {
        return Models.mlp(12, new int[] {16, 16, 16, 16}, 3, 4);   // groups fc1..fc4, head
    }

    static TrainConfig.Builder cfg(int epochs) {
        return TrainConfig.builder().setEpochs(epochs).optBatchSize(16).optLearningRate(0.05).optSeed(2)
                .optProgressBar(false).optMeasureFullStep(false);
    }

    @Test
    void freezeOutTimesAndLearningRatesFollowTheFormula() {
        FreezeOut cubic = FreezeOut.defaults();
        assertEquals(0.512, cubic.freezeTime(0, 5), 1e-12, "t0 = 0.8 pre-cubed");
        assertEquals(Math.pow(0.8 + 0.2 * 2 / 4, 3), cubic.freezeTime(2, 5), 1e-12);
        assertEquals(1.0, cubic.freezeTime(4, 5), 1e-12, "the head trains to the end");
        assertEquals(1 / 0.512, cubic.lrFactor(0, 5, 0, 1000), 1e-12, "scaled: initial rate / t_i");
        assertEquals(0.5 / 0.512, cubic.lrFactor(0, 5, 256, 1000), 1e-12, "half-way to t_i: cosine at 1/2");
        assertEquals(0.0, cubic.lrFactor(0, 5, 512, 1000), 0.0, "rate 0 at max_j = t_i T");
        assertFalse(cubic.isFrozen(0, 5, 512, 1000), "the reference deactivates only when j > max_j");
        assertTrue(cubic.isFrozen(0, 5, 513, 1000));
        assertFalse(cubic.isFrozen(4, 5, 5000, 1000), "the head is never frozen");
        // the reference's update_lr, with its initial rate 0.1: lr = (0.05 / lr_ratio) * (1 + cos(pi * j / max_j))
        for (long j : new long[] {0, 1, 77, 300, 511}) {
            double ratio = Math.pow(0.8 + (1 - 0.8) * 1.0 / 4, 3);
            double maxJ = 1000 * ratio;
            double ref = (0.05 / ratio) * (1 + Math.cos(Math.PI * j / maxJ));
            assertEquals(ref, 0.1 * cubic.lrFactor(1, 5, j, 1000), 1e-15, "scaled, j = " + j);
            double refUnscaled = 0.05 * (1 + Math.cos(Math.PI * j / maxJ));
            assertEquals(refUnscaled, 0.1 * new FreezeOut(0.8, FreezeOut.Scale.CUBIC, false).lrFactor(1, 5, j, 1000),
                    1e-15, "unscaled, j = " + j);
        }
        FreezeOut linear = new FreezeOut(0.8, FreezeOut.Scale.LINEAR, false);
        assertEquals(0.9, linear.freezeTime(2, 5), 1e-12);
        double p = 0.3;
        assertEquals(0.5 * (1 + Math.cos(Math.PI * p / 0.85)), linear.lrFactor(1, 5, 300, 1000), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * p)), linear.lrFactor(4, 5, 300, 1000), 1e-12);
    }

    @Test
    void freezeOutFreezesEachGroupAtItsTimeAndFrozenWeightsNeverMoveAgain() {
        try (FrostModel m = mlp()) {
            FreezeOut fo = new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false);
            Map<Integer, Long> frozenAt = new HashMap<>();
            Map<Integer, Map<String, float[]>> atFreeze = new HashMap<>();
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    int f = ctx.model().frozenGroupCount();
                    for (int g = 0; g < f; g++) {
                        if (!frozenAt.containsKey(g)) {
                            frozenAt.put(g, ctx.globalStep());
                            atFreeze.put(g, Snapshots.of(ctx.model()));
                        }
                    }
                }
            };
            FitResult r = new Trainer(m, new Sgd(0.9, true, 1e-4), cfg(4).build(), fo, watch).fit(DATA, null);
            long total = 4 * 10;
            for (int g = 0; g < 4; g++) {
                long expected = (long) Math.floor(fo.freezeTime(g, 5) * total) + 1;
                assertEquals(expected, frozenAt.get(g), "group " + g + " freezes at the first step after t_i * T");
                Set<String> moved = Snapshots.changed(atFreeze.get(g), Snapshots.of(m));
                assertFalse(moved.contains("fc" + (g + 1) + ".weight"), "fc" + (g + 1) + " moved after freezing");
            }
            assertFalse(m.group("head").isFrozen());
            assertTrue(r.executedFlops() < r.fullFlops(), "frozen groups skip work");
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(1).optSchedule("cosine").build(), FreezeOut.defaults());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(DATA, null));
            assertTrue(e.getMessage().contains("constant schedule"), e.getMessage());
        }
    }

    @Test
    void runRecordHasTheFreezeTimelinePerGroup(@TempDir Path dir) throws Exception {
        Path record = dir.resolve("run.json");
        try (FrostModel m = mlp()) {
            FreezeOut fo = new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false);
            FitResult r = new Trainer(m, new Sgd(0, false, 0), cfg(2).build(), fo).fit(DATA, null);
            dev.frost.io.RunRecords.write(record, r);
            List<FitResult.FreezeEvent> frozen = r.timeline().stream().filter(FitResult.FreezeEvent::frozen).toList();
            assertEquals(List.of("fc1", "fc2", "fc3", "fc4"), frozen.stream().map(FitResult.FreezeEvent::group).toList());
            assertEquals((long) Math.floor(fo.freezeTime(0, 5) * 20) + 1, frozen.get(0).step());
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.toFile());
            assertEquals(4, doc.path("result").path("timeline").size());
            assertEquals(2, doc.path("result").path("epochs").size());
            assertTrue(doc.path("summary").asText().startsWith("freezing saved"));
            assertEquals(0.0, doc.path("result").path("epochs").get(1).path("learningRates").path("fc1").asDouble());
        }
    }

    @Test
    void freezeOutCanAssumeTheReferencesThousandIterationsPerEpoch() {
        FreezeOut fo = FreezeOut.defaults().withAssumedStepsPerEpoch(1000);
        List<double[]> seen = new ArrayList<>();
        try (FrostModel m = mlp()) {
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    seen.add(ctx.model().groups().stream().mapToDouble(g -> g.lrMultiplier()).toArray());
                }
            };
            new Trainer(m, new Sgd(0.9, true, 1e-4), cfg(2).build(), fo, watch).fit(DATA, null);
            assertEquals(0, m.frozenGroupCount(), "T = 2 * 1000: no group reaches t_i T in 20 real steps");
        }
        for (int j = 0; j < seen.size(); j++) {
            for (int i = 0; i < 5; i++) {
                double ratio = i == 4 ? 1.0 : Math.pow(0.8 + 0.2 * i / 4.0, 3);
                double maxJ = 2 * 1000 * ratio;   // the reference's max_j = epochs * 1000 * lr_ratio
                double ref = (0.5 / ratio) * (1 + Math.cos(Math.PI * j / maxJ));
                assertEquals(ref, seen.get(j)[i], 1e-12, "group " + i + " step " + j);
            }
        }
    }

    /** Composer's freeze_layers, written from layer_freezing.py: int(_freeze_schedule(d) * len(layers[0:-1])). */
    private static int composerDepth(double elapsed, double start, double level, int layers) {
        double pct;
        if (elapsed <= start) {
            pct = 0.0;
        } else {
            pct = level * ((elapsed - start) / (1.0 - start));
        }
        return (int) (pct * (layers - 1));
    }

    @Test
    void linearFreezingFollowsComposerAtEpochEnds() {
        for (double[] sl : new double[][] {{0.5, 1.0}, {0.25, 1.0}, {0.0, 0.8}, {0.3, 0.5}}) {
            LinearFreezing lin = new LinearFreezing(sl[0], sl[1]);
            for (int groups : new int[] {2, 5, 13}) {
                for (int epochs : new int[] {1, 3, 4, 10}) {
                    for (int e = 0; e <= epochs; e++) {
                        assertEquals(composerDepth((double) e / epochs, sl[0], sl[1], groups),
                                lin.frozenGroups(e, epochs, groups), sl[0] + "/" + sl[1] + " " + e + "/" + epochs);
                    }
                }
            }
        }
        LinearFreezing lin = new LinearFreezing(0.25, 1.0);
        List<Integer> seen = new ArrayList<>();
        try (FrostModel m = mlp()) {
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    seen.add(ctx.model().frozenGroupCount());
                }
            };
            new Trainer(m, new Sgd(0, false, 0), cfg(4).build(), lin, watch).fit(DATA, null);
            assertEquals(4, m.frozenGroupCount(), "the last epoch end's decision stays on the model, as Composer's");
        }
        for (int step = 0; step < seen.size(); step++) {
            int epoch = step / 10;
            int expected = epoch == 0 ? 0 : composerDepth(epoch / 4.0, 0.25, 1.0, 5);
            assertEquals(expected, seen.get(step), "step " + step + ": constant within an epoch");
        }
        assertEquals(List.of(0, 0, 1, 2), List.of(seen.get(0), seen.get(10), seen.get(20), seen.get(30)));
    }

    @Test
    void pipeTransformerScheduleIsTheReferenceFormula() {
        // math.ceil(calculate_frozen_layer_num(L, alpha, e)) from pipe_transformer/freeze/auto_freeze.py, run in
        // Python 3 for these L and alpha (epoch 0: 0)
        assertEquals(List.of(0, 6, 9, 11, 12, 12, 12, 12, 12, 12), frozen(12, 0.5, 10));
        assertEquals(List.of(0, 4, 7, 9, 10, 11, 11, 12, 12, 12), frozen(12, 1.0 / 3, 10));
        assertEquals(List.of(0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7), frozen(12, 0.07, 12));
        assertEquals(List.of(0, 2, 3, 4, 4), frozen(4, 0.5, 5));
        // the reference's rounding: (10*0.3)/(0.7) * 0.7 = 2.9999999999999996, so 3, where ceil(L(1-(1-a)^e)) says 4
        assertEquals(3, FreezeSchedule.pipeTransformerFrozenLayers(10, 0.3, 1));
        assertEquals(4, (int) Math.ceil(10 * (1 - Math.pow(0.7, 1))));

        FreezeSchedule def = FreezeSchedule.pipeTransformer();
        assertEquals(List.of(0, 6, 9, 11, 12, 12), List.of(0, 1, 2, 3, 4, 5).stream()
                .map(e -> def.frozenGroups(e, 13)).toList(), "L = 12 groups below the head");
        FreezeSchedule emb = FreezeSchedule.pipeTransformer(0.5, "fc1");
        assertEquals(List.of(0, 7, 10, 12, 13, 13), List.of(0, 1, 2, 3, 4, 5).stream()
                .map(e -> emb.frozenGroups(e, 14)).toList(), "embeddings freeze with the first frozen layer");
        assertEquals(List.of(0, 0, 1, 4), seenPerEpoch(new FreezeSchedule(Map.of(0, 0, 2, 1, 3, 9)), 4),
                "a table, capped below the head");
        assertEquals(List.of(0, 2, 3, 4), seenPerEpoch(FreezeSchedule.pipeTransformer(), 4));
        assertEquals(List.of(0, 3, 4, 4), seenPerEpoch(FreezeSchedule.pipeTransformer(0.5, "fc1"), 4));
        assertEquals(List.of(0, 6, 6, 8, 8, 8, 10, 10, 12), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8).stream()
                .map(e -> FreezeSchedule.pipeTransformerMild(13).frozenGroups(e, 13)).toList());
        FrostException e = assertThrows(FrostException.class,
                () -> seenPerEpoch(FreezeSchedule.pipeTransformer(0.5, "fc2"), 1));
        assertTrue(e.getMessage().contains("first group"), e.getMessage());
    }

    private static List<Integer> frozen(int layers, double alpha, int epochs) {
        List<Integer> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            out.add(FreezeSchedule.pipeTransformerFrozenLayers(layers, alpha, e));
        }
        return out;
    }

    private static List<Integer> seenPerEpoch(FreezeSchedule s, int epochs) {
        List<Integer> seen = new ArrayList<>();
        try (FrostModel m = mlp()) {
            Callback watch = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    if (ctx.stepInEpoch() == 0) {
                        seen.add(ctx.model().frozenGroupCount());
                    }
                }
            };
            new Trainer(m, new Sgd(0, false, 0), cfg(epochs).build(), s, watch).fit(DATA, null);
        }
        return seen;
    }

    // ---- AutoFreeze's reference (YuhanLiu11/AutoFreeze, freeze_intermediate_e2e_lr.py), in plain Java ----

    /** numpy.percentile, default (linear) interpolation. */
    private static double numpyPercentile(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double pos = q / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    /**
     * The reference's decision: threshold_dict from prev/current_grad_dict, median_value over
     * list(threshold_dict.values())[start_layer:], then the first key (from 0) with threshold_dict[key] >= median.
     */
    private static int referenceStartLayer(double[] prev, double[] current, int startLayer, double percentile) {
        double[] threshold = new double[current.length];
        for (int key = 0; key < current.length; key++) {
            if (current[key] > 0) {
                threshold[key] = Math.abs(prev[key] - current[key]) / prev[key];
            }
        }
        List<Double> trainable = new ArrayList<>();
        for (int key = startLayer; key < current.length; key++) {
            trainable.add(threshold[key]);
        }
        double median = numpyPercentile(trainable, percentile);
        for (int key = 0; key < current.length; key++) {
            if (threshold[key] >= median) {
                return key;
            }
        }
        return startLayer;
    }

    /** current_grad_dict[layer] += torch.norm(grad_tensor_dict[name], p=1) over the layer's parameters. */
    private static double[] referenceStatistic(List<Map<String, float[]>> sumsPerLayer) {
        double[] g = new double[sumsPerLayer.size()];
        for (int k = 0; k < g.length; k++) {
            for (float[] sum : sumsPerLayer.get(k).values()) {
                double l1 = 0;
                for (float x : sum) {
                    l1 += Math.abs(x);
                }
                g[k] += l1;
            }
        }
        return g;
    }

    @Test
    void autoFreezeRuleMatchesTheReferenceOnConstructedGradientHistories() {
        java.util.Random rnd = new java.util.Random(7);
        int layers = 6;
        int checked = 0;
        int froze = 0;
        for (int trial = 0; trial < 300; trial++) {
            double[] prev = null;
            int start = 0;
            for (int interval = 0; interval < 5; interval++) {
                // each layer: 3 parameters of 8 values, 5 steps per interval; a drift per layer plus noise
                List<Map<String, float[]>> sums = new ArrayList<>();
                for (int k = 0; k < layers; k++) {
                    Map<String, float[]> perParam = new java.util.LinkedHashMap<>();
                    double drift = k < start ? 0 : rnd.nextDouble() * Math.pow(0.6, interval * (layers - k) / 3.0);
                    for (int p = 0; p < 3; p++) {
                        float[] acc = new float[8];
                        for (int step = 0; step < 5; step++) {
                            for (int i = 0; i < 8; i++) {
                                if (k >= start) {   // frozen layers have no gradient
                                    acc[i] += (float) (drift + rnd.nextGaussian() * 0.5);
                                }
                            }
                        }
                        perParam.put("p" + p, acc);
                    }
                    sums.add(perParam);
                }
                double[] g = referenceStatistic(sums);
                if (prev != null) {
                    double q = new double[] {50, 50, 25, 75, 10, 90}[trial % 6];
                    int ref = referenceStartLayer(prev, g, start, q);
                    int frost = AutoFreeze.decide(prev, g, start, q);
                    // named difference: the reference restarts from 0 when the threshold is 0; Frost never unfreezes
                    assertEquals(Math.max(start, ref), frost, "trial " + trial + " interval " + interval);
                    froze += frost > start ? 1 : 0;
                    start = frost;
                    checked++;
                }
                prev = g;
            }
        }
        assertTrue(checked == 1200 && froze > 50, checked + " decisions, " + froze + " froze more");
        // the ratio rules: a layer without gradient has r = 0; the percentile interpolates as numpy
        assertArrayEquals(new double[] {0.5, 0, 0.25}, AutoFreeze.ratios(new double[] {2, 3, 4}, new double[] {1, 0, 5}));
        assertEquals(0.275, AutoFreeze.percentileOf(new double[] {0.8, 0.01, 0.5, 0.05}, 50), 1e-12);
        // r = 0.01, 0.05, 0.5, 0.8; median 0.275; first r >= it: layer 2
        double[] prev = {10, 10, 10, 10};
        double[] cur = {9.9, 9.5, 5, 2};
        assertEquals(2, AutoFreeze.decide(prev, cur, 0, 50));
        assertEquals(0, AutoFreeze.decide(prev, cur, 0, 0), "threshold at the minimum: nothing frozen");
        assertEquals(3, AutoFreeze.decide(prev, cur, 0, 100), "threshold at the maximum");
        assertEquals(2, AutoFreeze.decide(prev, cur, 1, 50), "already 1 frozen: median of 0.05, 0.5, 0.8");
    }

    /**
     * A real run with a spy that keeps its own float32 sums of the gradients AutoFreeze sees and decides as the
     * reference does: the statistic, every decision and which buffers exist must agree.
     */
    @Test
    void autoFreezeOnARealRunMatchesTheReferenceComputation() {
        assertTrue(runAgainstReference(null, new AutoFreeze(50, 3, null)) > 0, "something froze without embeddings");
        assertTrue(runAgainstReference("fc1", new AutoFreeze(50, 3, "fc1")) > 0,
                "something froze with fc1 as the embeddings");
        // 40 steps in 13 intervals per run: int(40 / 13) = 3 steps per decision, as above
        assertTrue(runAgainstReference("fc1", AutoFreeze.withEmbeddings("fc1").withIntervalsPerRun(13)) > 0,
                "something froze with 13 intervals per run");
        assertThrows(FrostException.class, () -> new AutoFreeze().withIntervalsPerRun(0));
    }

    private static int runAgainstReference(String embeddings, AutoFreeze af) {
        int first = embeddings == null ? 0 : 1;
        long interval = 3;
        int[] decisions = new int[1];
        try (FrostModel m = mlp()) {
            int layers = m.groups().size() - 1 - first;
            List<Map<String, float[]>> sums = new ArrayList<>();
            for (int k = 0; k < layers; k++) {
                sums.add(new java.util.LinkedHashMap<>());
            }
            double[][] prev = new double[1][];
            int[] start = new int[1];
            Callback spy = new Callback() {
                @Override
                public void afterBackward(TrainingContext ctx) {
                    java.util.Set<String> trainable = new java.util.HashSet<>();
                    for (int k = 0; k < layers; k++) {
                        for (var l : ctx.model().groups().get(first + k).layers()) {
                            for (var e : l.learnableParameters().entrySet()) {
                                if (!e.getValue().requiresGradient()) {
                                    continue;
                                }
                                String key = l.name() + "." + e.getKey();
                                trainable.add(key);
                                float[] grad;
                                try (var gr = e.getValue().getArray().getGradient()) {
                                    grad = gr.toFloatArray();
                                }
                                float[] acc = sums.get(k).computeIfAbsent(key, x -> new float[grad.length]);
                                for (int i = 0; i < grad.length; i++) {
                                    acc[i] += grad[i];    // grad_tensor_dict[name] += param.grad
                                }
                            }
                        }
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, String> held = (Map<String, String>) af.state().get("sums");
                    assertEquals(trainable, held.keySet(), "one buffer per parameter of the candidates training");
                }

                @Override
                public void afterStep(TrainingContext ctx) {
                    long n = ctx.stepInFit();
                    if (n % interval != 0 || n <= 1) {
                        return;
                    }
                    double[] g = referenceStatistic(sums);
                    sums.forEach(Map::clear);
                    double[] frost = af.lastStatistic();
                    for (int k = 0; k < layers; k++) {
                        assertEquals(g[k], frost[k], 1e-5 * Math.max(1, g[k]), "statistic of layer " + k);
                    }
                    if (prev[0] != null) {
                        int ref = referenceStartLayer(prev[0], g, start[0], 50);
                        start[0] = Math.max(start[0], ref);
                        decisions[0]++;
                    }
                    prev[0] = g;
                    int expectedGroups = start[0] == 0 ? 0 : first + start[0];
                    assertEquals(expectedGroups, ctx.model().frozenGroupCount(), "after step " + n);
                }
            };
            new Trainer(m, new Sgd(0.9, false, 0), cfg(4).build(), af, spy).fit(DATA, null);
            assertEquals(40 / 3 - 1, decisions[0], "decisions after steps 6, 9, ..., 39");
            return m.frozenGroupCount();
        }
    }

    @Test
    void autoFreezeWithCacheResumesMidScheduleExactly(@TempDir Path dir) {
        TrainConfig c = cfg(4).optCache(CacheConfig.defaults()).build();
        Map<String, float[]> uninterrupted;
        int frozenUninterrupted;
        try (FrostModel m = mlp()) {
            new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4)).fit(DATA, null);
            uninterrupted = Snapshots.of(m);
            frozenUninterrupted = m.frozenGroupCount();
        }
        assertTrue(frozenUninterrupted > 0, "AutoFreeze froze something on this run");
        try (FrostModel m = mlp()) {
            Callback stop = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 18) {
                        Checkpoints.save(dir, ctx.trainer());
                        ctx.requestStop();
                    }
                }
            };
            new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4), stop).fit(DATA, null);
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c, new AutoFreeze(50, 4));
            Checkpoints.resume(dir, t);
            t.fit(DATA, null);
            Map<String, float[]> resumed = Snapshots.of(m);
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), k));
            assertEquals(frozenUninterrupted, m.frozenGroupCount());
        }
        try (FrostModel m = mlp()) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), c);
            FrostException e = assertThrows(FrostException.class, () -> Checkpoints.resume(dir, t));
            assertTrue(e.getMessage().contains("'autofreeze'"), e.getMessage());
        }
    }

    @Test
    void policiesPutTheUsersLearningRateMultipliersBackWhenTheyEnd() {
        for (Callback policy : List.<Callback>of(new FreezeOut(0.5, FreezeOut.Scale.LINEAR, false),
                new GradualUnfreezing(1, 2.6))) {
            try (FrostModel m = mlp()) {
                m.group("head").setLrMultiplier(2.0);
                m.group("fc1").setLrMultiplier(0.5);
                double[] during = new double[1];
                Callback watch = new Callback() {
                    @Override
                    public void afterStep(TrainingContext ctx) {
                        during[0] = ctx.model().group("fc1").lrMultiplier();
                    }
                };
                new Trainer(m, new Sgd(0, false, 0), cfg(2).build(), policy, watch).fit(DATA, null);
                assertTrue(during[0] != 0.5, policy + " set its own multipliers");
                assertEquals(2.0, m.group("head").lrMultiplier(), 0, policy.toString());
                assertEquals(0.5, m.group("fc1").lrMultiplier(), 0, policy.toString());
            }
        }
    }
}
