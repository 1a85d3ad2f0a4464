package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Splits;
import dev.frost.data.SyntheticData;
import dev.frost.engine.Autograd;
import dev.frost.freeze.optim.ParamGroup;
import dev.frost.freeze.optim.Sgd;
import dev.frost.layers.Layers;
import dev.frost.loss.Loss;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.callbacks.EarlyStopping;
import dev.frost.train.callbacks.MetricsLogger;
import dev.frost.train.callbacks.TerminateOnNaN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop's features that Keras and fastai users expect, each checked on real steps. */
class TrainingLoopTest {
    private static final ArrayDataset DATA = SyntheticData.classification("loop", 128, new Shape(12), 3, 21);

    private static TrainConfig.Builder cfg(int batch) {
        return TrainConfig.builder().optBatchSize(batch).optLearningRate(0.05).optShuffle(false)
                .optProgressBar(false);
    }

    private static FrostModel mlp(long seed) {
        return Models.mlp(12, new int[] {16, 16}, 3, seed);
    }

    @Test
    void aSecondFitAfterUnfreezeTrainsTheAskedEpochsWithItsOwnSchedule() {
        try (FrostModel m = mlp(1)) {
            m.freeze();
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), cfg(32).optSchedule("onecycle").build());
            FitResult first = t.fit(DATA, null, 2);
            assertEquals(2, first.epochs().size());
            Map<String, float[]> before = Snapshots.of(m);
            m.unfreeze();
            FitResult second = t.fit(DATA, null, 3);
            assertEquals(3, second.epochs().size(), "the second fit trains its 3 epochs");
            assertTrue(Snapshots.changed(before, Snapshots.of(m)).contains("fc1.weight"), "the unfrozen base moves");
            assertEquals(5, t.progress().epoch());
            assertEquals(2, t.progress().fitCall());
            assertEquals(2, t.progress().callStartEpoch());
            // a one-cycle spans each call: the second call's first step starts low again (1/25 of the peak)
            assertEquals(0.05 / 25, 0.05 * t.config().schedule().factor(0, second.epochs().get(0).steps() * 3),
                    1e-12);
        }
    }

    @Test
    void accumulatedMicroBatchesEqualOneBigBatch() {
        Map<String, float[]> big;
        Map<String, float[]> accumulated;
        try (FrostModel m = mlp(2)) {
            new Trainer(m, new Sgd(0, false, 0), cfg(64).setEpochs(2).build()).fit(DATA, null);
            big = Snapshots.of(m);
        }
        try (FrostModel m = mlp(2)) {
            new Trainer(m, new Sgd(0, false, 0), cfg(16).setEpochs(2).optAccumulateBatches(4).build())
                    .fit(DATA, null);
            accumulated = Snapshots.of(m);
        }
        for (var e : big.entrySet()) {
            float[] a = e.getValue();
            float[] b = accumulated.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5, e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void clippingBoundsTheUpdateByTheGlobalNorm() {
        try (FrostModel m = mlp(3)) {
            Map<String, float[]> before = Snapshots.of(m);
            double maxNorm = 1e-3;
            double lr = 1.0;
            new Trainer(m, new Sgd(0, false, 0), cfg(128).optLearningRate(lr).optGradientClipNorm(maxNorm).build())
                    .fit(DATA, null);
            Map<String, float[]> after = Snapshots.of(m);
            double sq = 0;
            for (var e : before.entrySet()) {
                float[] a = e.getValue();
                float[] b = after.get(e.getKey());
                for (int i = 0; i < a.length; i++) {
                    sq += (double) (b[i] - a[i]) * (b[i] - a[i]);
                }
            }
            double step = Math.sqrt(sq);
            assertTrue(step <= lr * maxNorm * 1.001 && step > lr * maxNorm * 0.5,
                    "one SGD step of clipped gradients moves the weights by lr*maxNorm, moved " + step);
        }
    }

    @Test
    void dropLastSkipsTheIncompleteBatch() {
        ArrayDataset hundred = DATA.subset("hundred", java.util.stream.IntStream.range(0, 100).toArray());
        try (FrostModel m = mlp(4)) {
            FitResult r = new Trainer(m, new Sgd(0, false, 0), cfg(32).optDropLast(true).build()).fit(hundred, null);
            assertEquals(3, r.last().steps());
            FitResult kept = new Trainer(m, new Sgd(0, false, 0), cfg(32).build()).fit(hundred, null);
            assertEquals(4, kept.last().steps());
            assertThrows(FrostException.class, () -> new Trainer(m, new Sgd(0, false, 0),
                    cfg(128).optDropLast(true).build()).fit(hundred, null));
        }
    }

    @Test
    void biasesAndNormalizationParametersCanBeExemptFromWeightDecay() {
        try (FrostModel m = Models.cnn(new int[] {4}, 3, 5); NDManager mgr = m.manager().newSubManager()) {
            m.applyFreezeState();
            NDArray x = mgr.randomNormal(new Shape(2, 1, 28, 28));
            try (GradientCollector gc = Autograd.record()) {
                gc.backward(m.forward(x, true, 0, m.layers().size()).sum().mul(0f)); // every gradient is zero
            }
            Map<String, float[]> before = Snapshots.of(m);
            List<ParamGroup> groups = ParamGroup.of(m, true);
            try (Sgd sgd = new Sgd(0, false, 0.5)) {
                sgd.step(groups, 0.1);
            }
            Map<String, float[]> after = Snapshots.of(m);
            for (ParamGroup g : groups) {
                for (var e : g.parameters().entrySet()) {
                    float[] a = before.get(e.getKey());
                    float[] b = after.get(e.getKey());
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(g.decay() ? a[i] * (1 - 0.1f * 0.5f) : a[i], b[i], 1e-6, e.getKey());
                    }
                    assertEquals(e.getValue().getType() == Parameter.Type.WEIGHT, g.decay(), e.getKey());
                }
            }
        }
    }

    @Test
    void earlyStoppingEndsTheCallAndTheNextFitStartsANewOne() {
        try (FrostModel m = mlp(6)) {
            EarlyStopping stop = new EarlyStopping("train_loss", 1, 1e-3);
            // a learning rate too small to move the loss: no improvement after the first epoch
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(32).optLearningRate(1e-12).build(), stop);
            FitResult r = t.fit(DATA, null, 10);
            assertEquals(3, r.epochs().size(), "best at epoch 1, two epochs without improvement > patience 1");
            assertTrue(r.stoppedEarly());
            assertFalse(t.progress().inCall());
            FitResult again = t.fit(DATA, null, 1);
            assertEquals(1, again.epochs().size());
            assertEquals(2, t.progress().fitCall());
        }
    }

    @Test
    void terminateOnNaNStopsAtTheFirstNonFiniteLossNamingTheStep() {
        Loss nan = new Loss() {
            public String name() {
                return "nan";
            }

            public NDArray compute(NDArray predictions, NDArray labels) {
                return predictions.mean().mul(Float.NaN);
            }
        };
        try (FrostModel m = mlp(7)) {
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(32).optLoss(nan).build(), new TerminateOnNaN());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(DATA, null, 3));
            assertTrue(e.getMessage().contains("step 1"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void metricsLoggerWritesOneRowPerEpochAsItEnds(@TempDir Path dir) throws Exception {
        try (FrostModel m = mlp(8)) {
            Path csv = dir.resolve("log/metrics.csv");
            Path jsonl = dir.resolve("metrics.jsonl");
            new Trainer(m, new Sgd(0, false, 0), cfg(32).setEpochs(3).build(), new MetricsLogger(csv),
                    new MetricsLogger(jsonl)).fit(DATA, DATA);
            List<String> rows = Files.readAllLines(csv);
            assertEquals(4, rows.size());
            assertTrue(rows.get(0).startsWith("epoch,train_loss,train_accuracy,valid_loss,valid_accuracy"),
                    rows.get(0));
            assertTrue(rows.get(3).startsWith("3,"));
            List<String> lines = Files.readAllLines(jsonl);
            assertEquals(3, lines.size());
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(2));
            assertEquals(3, node.path("epoch").asInt());
            assertTrue(node.path("valid_accuracy").asDouble() > 0.3);
        }
    }

    @Test
    void lrFinderSuggestsAStableRateOnLeastSquares(@TempDir Path dir) throws Exception {
        // y = x.w + noise, MSE, plain SGD: stable exactly below 2 / lambda_max of the loss Hessian (2/n X^T X)
        int n = 512;
        int d = 8;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        float[] x = new float[n * d];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (rng.nextDouble() * 2 - 1) * (j + 1);
                y[i] += x[i * d + j] * (j % 3 - 1);
            }
        }
        ArrayDataset data = ArrayDataset.regression("lsq", x, new Shape(d), y, 1);
        double lambdaMax = largestEigenvalue(x, n, d) * 2 / n;
        try (FrostModel m = FrostModel.builder(new Shape(d)).addGroup("head", Layers.linear("out", 1)).build()) {
            Map<String, float[]> before = Snapshots.of(m);
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(n).optShuffle(true).build());
            LrFinder.Result r = LrFinder.find(t, data, 1e-6, 10, 60);
            assertTrue(r.suggestion() < 2 / lambdaMax, r.suggestion() + " vs stability bound " + 2 / lambdaMax);
            assertTrue(r.suggestion() > 1e-3 / lambdaMax, r.suggestion() + " is far too timid");
            assertTrue(Snapshots.changed(before, Snapshots.of(m)).isEmpty(), "the finder puts the weights back");
            assertEquals(0, t.optimizer().stateCount());
            Path svg = dir.resolve("lr.svg");
            r.writeSvg(svg);
            assertTrue(Files.readString(svg).contains("<polyline"));
        }
    }

    private static double largestEigenvalue(float[] x, int n, int d) {
        double[][] g = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    g[a][b] += x[i * d + a] * x[i * d + b];
                }
            }
        }
        double[] v = new double[d];
        java.util.Arrays.fill(v, 1);
        double lambda = 0;
        for (int it = 0; it < 200; it++) {
            double[] w = new double[d];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    w[a] += g[a][b] * v[b];
                }
            }
            double norm = Math.sqrt(java.util.Arrays.stream(w).map(q -> q * q).sum());
            lambda = norm;
            for (int a = 0; a < d; a++) {
                v[a] = w[a] / norm;
            }
        }
        return lambda;
    }

    @Test
    void evaluateAndPredictNeedNoTrainer() {
        try (FrostModel m = mlp(9)) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), cfg(32).setEpochs(2).build());
            t.fit(DATA, null);
            var viaTrainer = t.evaluate(DATA);
            var direct = m.evaluate(DATA);
            assertEquals(viaTrainer.accuracy(), direct.accuracy(), 0);
            assertEquals(viaTrainer.loss(), direct.loss(), 1e-6);
            float[][] out = m.predict(DATA);
            assertEquals(DATA.size(), out.length);
            int hits = 0;
            for (int i = 0; i < out.length; i++) {
                int best = 0;
                for (int c = 1; c < out[i].length; c++) {
                    best = out[i][c] > out[i][best] ? c : best;
                }
                hits += best == DATA.label(i) ? 1 : 0;
            }
            assertEquals(direct.accuracy(), hits / (double) DATA.size(), 1e-12);
        }
    }

    @Test
    void aParameterFrozenBetweenBackwardAndStepCarriesNoStaleGradient() {
        // (a) fc1 frozen after its gradient was computed at step 1, unfrozen for step 2;
        // (b) fc1 frozen before step 1's forward, unfrozen for step 2. No stale gradient: the same weights.
        Map<String, float[]> a = twoSteps(true);
        Map<String, float[]> b = twoSteps(false);
        assertTrue(Snapshots.changed(a, b).isEmpty(), "differs: " + Snapshots.changed(a, b));
    }

    private static Map<String, float[]> twoSteps(boolean freezeAfterBackward) {
        try (FrostModel m = mlp(10)) {
            Callback cb = new Callback() {
                @Override
                public void beforeStep(TrainingContext ctx) {
                    boolean first = ctx.globalStep() == 0;
                    if (first && !freezeAfterBackward) {
                        ctx.model().group("fc1").freeze();
                    }
                    if (!first) {
                        ctx.model().group("fc1").unfreeze();
                    }
                }

                @Override
                public void afterBackward(TrainingContext ctx) {
                    if (ctx.globalStep() == 0 && freezeAfterBackward) {
                        ctx.model().group("fc1").freeze();
                    }
                }
            };
            ArrayDataset two = DATA.subset("two", java.util.stream.IntStream.range(0, 64).toArray());
            new Trainer(m, new Sgd(0, false, 0), cfg(32).build(), cb).fit(two, null);
            return Snapshots.of(m);
        }
    }

    @Test
    void kFoldValidatesEveryExampleOnceAndKeepsClassBalance() {
        List<Splits.Fold> folds = Splits.kFold(DATA, 4, 7);
        assertEquals(4, folds.size());
        Set<Integer> seen = new HashSet<>();
        int validated = 0;
        for (Splits.Fold f : folds) {
            assertEquals(DATA.size(), f.train().size() + f.valid().size());
            validated += f.valid().size();
            for (int i = 0; i < f.valid().size(); i++) {
                seen.add(java.util.Arrays.hashCode(f.valid().example(i)));
            }
            int[] counts = new int[3];
            for (int i = 0; i < f.valid().size(); i++) {
                counts[f.valid().label(i)]++;
            }
            int[] all = new int[3];
            for (int i = 0; i < DATA.size(); i++) {
                all[DATA.label(i)]++;
            }
            for (int c = 0; c < 3; c++) {
                assertEquals(all[c] / 4.0, counts[c], 1.0, "class " + c + " in fold " + f.index());
            }
        }
        assertEquals(DATA.size(), validated);
        assertEquals(DATA.size(), seen.size(), "every example validated exactly once");
        assertArrayEquals(folds.get(1).valid().example(0), Splits.kFold(DATA, 4, 7).get(1).valid().example(0));
    }

    @Test
    void runRecordCarriesProvenanceAndMemoryAccounting(@TempDir Path dir) throws Exception {
        try (FrostModel m = mlp(11)) {
            m.freezeTo(1);
            FitResult r = new Trainer(m, new dev.frost.freeze.optim.AdamW(), cfg(32).setEpochs(1).build())
                    .fit(DATA, DATA);
            Path file = dir.resolve("run.json");
            dev.frost.io.RunRecords.write(file, r);
            var info = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile())
                    .path("result").path("info");
            assertEquals(32, info.path("config").path("batchSize").asInt());
            assertEquals("adamw", info.path("optimizer").asText());
            assertEquals("softmax_cross_entropy", info.path("loss").asText());
            assertEquals(Long.toHexString(DATA.fingerprint()), info.path("trainFingerprint").asText());
            assertEquals("0.36.0", info.path("versions").path("djl").asText());
            assertFalse(info.path("versions").path("libtorch").asText().isEmpty());
            var mem = info.path("memory");
            long trainable = m.learnableParameters().entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("fc1.")).mapToLong(e -> e.getValue().getShape().size()).sum();
            assertEquals(trainable * 4, mem.path("gradientBytes").asLong(), "gradients only for what trains");
            assertEquals(trainable * 4 * 2, mem.path("optimizerStateBytes").asLong(), "Adam: two buffers each");
            assertTrue(mem.path("fullGradientBytes").asLong() > mem.path("gradientBytes").asLong());
            assertTrue(mem.path("peakRssBytes").asLong() > 0);
        }
    }

    @Test
    void fullStepProbeMeasuresWithoutGivingFrozenParametersAGradient() {
        try (FrostModel m = mlp(12)) {
            m.freeze();
            // 4 steps per epoch x 13 epochs: 52 steps, so the 2% budget allows one probe step
            FitResult r = new Trainer(m, new Sgd(0, false, 0), cfg(32).optMeasureFullStep(true).build())
                    .fit(DATA, null, 13);
            assertTrue(r.fullTrainSecondsEstimate() > 0, "the probe measured a full step");
            for (var e : m.learnableParameters().entrySet()) {
                boolean frozen = !e.getKey().startsWith("out.");
                assertEquals(!frozen, dev.frost.engine.Autograd.hasGradientBuffer(e.getValue().getArray()),
                        e.getKey() + (frozen ? " is frozen and must hold no gradient" : " trains"));
            }
            assertTrue(m.frozenPaths().containsAll(Set.of("fc1", "fc2")), "the freeze state is untouched");
        }
    }

    @Test
    void aNonFiniteGradientUnderAFiniteLossIsCaughtBeforeTheUpdateAndSaysHowFarItReaches() {
        // sqrt(0 * x): a finite forward pass (zeros) whose backward is 0 * inf = NaN below that layer only
        ai.djl.nn.Block root = new ai.djl.nn.LambdaBlock(x -> new ai.djl.ndarray.NDList(
                x.singletonOrThrow().mul(0f).sqrt()));
        try (FrostModel m = FrostModel.builder(new Shape(12)).optSeed(3)
                .addGroup("body", dev.frost.layers.Layers.linear("fc1", 16),
                        dev.frost.layers.Layers.custom("root", root))
                .addGroup("head", dev.frost.layers.Layers.linear("out", 3)).build()) {
            Map<String, float[]> before = Snapshots.of(m);
            Trainer t = new Trainer(m, new Sgd(0, false, 0), cfg(16).build());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(DATA, null, 1));
            assertTrue(e.getMessage().contains("the gradient of 'fc1.weight' is non-finite although the loss is"
                    + " finite"), e.getMessage());
            assertTrue(e.getMessage().contains("2 of 4 parameters have non-finite gradients, the last 'fc1.bias'"),
                    e.getMessage());
            assertEquals(Set.of(), Snapshots.changed(before, Snapshots.of(m)), "caught before any update");
        }
    }

    @Test
    void theDivergenceGuardStopsAtTheFirstBadStepByDefault() {
        try (FrostModel m = mlp(13)) {
            Trainer t = new Trainer(m, new Sgd(0.9, false, 0), cfg(16).optLearningRate(1e6).build());
            FrostException e = assertThrows(FrostException.class, () -> t.fit(DATA, null, 5));
            assertTrue(e.getMessage().startsWith("training diverged at step "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            // the update that would have made the weights non-finite is caught, so no later step ran
            int step = Integer.parseInt(e.getMessage().replaceAll("^training diverged at step (\\d+).*$", "$1"));
            assertEquals(step - 1, t.progress().globalStep());
        }
        try (FrostModel m = mlp(13)) {
            // with the guard off, the run goes on and its metrics say NaN rather than a number
            FitResult r = new Trainer(m, new Sgd(0.9, false, 0), cfg(16).optLearningRate(1e6)
                    .optDivergenceGuard(false).build()).fit(DATA, DATA, 3);
            assertTrue(Double.isNaN(r.last().validAccuracy()), "accuracy of a diverged model: " + r.last());
        }
    }

    @Test
    void aLastBatchOfOneIsSkippedWhenBatchNormWouldSeeIt() {
        ArrayDataset odd = DATA.subset("odd", java.util.stream.IntStream.range(0, 33).toArray());
        try (FrostModel m = FrostModel.builder(new Shape(12)).addGroup("body", Layers.linear("fc", 8),
                Layers.batchNorm("bn"), Layers.relu("relu")).addGroup("head", Layers.linear("out", 3)).build()) {
            FitResult r = new Trainer(m, new Sgd(0, false, 0), cfg(32).setEpochs(2).build()).fit(odd, odd);
            assertEquals(1, r.last().steps());
            for (float v : m.layer("bn").allParameters().get("runningVar").getArray().toFloatArray()) {
                assertTrue(Float.isFinite(v) && v > 0, "running variance " + v);
            }
            // accumulating: the one-example batch would be the last micro-batch of a step
            r = new Trainer(m, new Sgd(0, false, 0), cfg(8).optAccumulateBatches(2).setEpochs(1).build()).fit(odd,
                    null);
            assertEquals(2, r.last().steps(), "4 batches of 8 in 2 steps, the 33rd example skipped");
        }
        try (FrostModel m = mlp(14)) {
            // without BatchNorm the single example trains as usual
            assertEquals(2, new Trainer(m, new Sgd(0, false, 0), cfg(32).build()).fit(
                    DATA.subset("odd", java.util.stream.IntStream.range(0, 33).toArray()), null).last().steps());
        }
    }
}
