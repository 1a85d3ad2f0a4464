package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {
    private static final ArrayDataset DATA = SyntheticData.classification("d", 96, new Shape(1, 28, 28), 10, 9);

    private static TrainConfig config() {
        return TrainConfig.builder().setEpochs(2).optBatchSize(16).optLearningRate(3e-3).optSchedule("onecycle")
                .optSeed(5).optProgressBar(false).optMeasureFullStep(false).build();
    }

    private static FrostModel model() {
        return Models.cnn(new int[] {4, 8, 8}, 10, 3);
    }

    /** With dropout, exact resumption also depends on restoring the random generator's position. */
    private static FrostModel modelWithDropout(long seed) {
        return FrostModel.builder(new Shape(1, 28, 28)).optSeed(seed)
                .addGroup("block1", Layers.conv2d("conv1", 4, 3, 1, 1), Layers.batchNorm("bn1"), Layers.relu("relu1"),
                        Layers.maxPool("pool1", 2, 2))
                .addGroup("block2", Layers.conv2d("conv2", 8, 3, 1, 1), Layers.batchNorm("bn2"), Layers.relu("relu2"),
                        Layers.globalAvgPool("gap"))
                .addGroup("head", Layers.dropout("drop", 0.3f), Layers.linear("fc", 10))
                .build();
    }

    @Test
    void freezeStateAndWeightsSurviveSaveAndLoad(@TempDir Path dir) {
        try (FrostModel a = model(); FrostModel b = Models.cnn(new int[] {4, 8, 8}, 10, 99)) {
            a.freezeTo(2);
            a.layer("fc").setTrainable(false);
            a.layer("conv3").setTrainable(true);
            a.setTrainBn(true);
            a.group("block3").setLrMultiplier(0.25);
            new Trainer(a, new AdamW(), config()).fit(DATA, null);
            Checkpoints.saveModel(dir, a);
            Checkpoints.loadModel(dir, b);
            assertEquals(a.frozenLayerNames(), b.frozenLayerNames());
            assertTrue(b.isTrainBn());
            assertEquals(0.25, b.group("block3").lrMultiplier());
            Map<String, float[]> sa = Snapshots.of(a);
            Map<String, float[]> sb = Snapshots.of(b);
            sa.forEach((k, v) -> assertArrayEquals(v, sb.get(k), k));
        }
    }

    @Test
    void manifestWithoutFrozenPathsLoadsFromFrozenLayersAsOlderCheckpointsDo(@TempDir Path dir) throws Exception {
        try (FrostModel a = model(); FrostModel b = model()) {
            a.freezeTo(2);
            Path version = Checkpoints.saveModel(dir.resolve("store"), a);
            // an older checkpoint: files directly in a folder, no pointer, a version-1 manifest
            Path legacy = Files.createDirectories(dir.resolve("legacy"));
            for (String f : new String[] {Checkpoints.WEIGHTS, Checkpoints.MANIFEST}) {
                Files.copy(version.resolve(f), legacy.resolve(f));
            }
            Path manifest = legacy.resolve(Checkpoints.MANIFEST);
            ObjectMapper json = new ObjectMapper();
            var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Files.readAllBytes(manifest));
            assertEquals(json.valueToTree(a.frozenPaths()), root.at("/freeze/frozenPaths"),
                    "plain layers: the paths are the frozen layers' names");
            ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("freeze")).remove("frozenPaths");
            root.put("version", 1);
            root.remove("trainData");
            Files.write(manifest, json.writeValueAsBytes(root));
            Checkpoints.loadModel(legacy, b);
            assertEquals(a.frozenLayerNames(), b.frozenLayerNames());
            assertEquals(a.frozenPaths(), b.frozenPaths());
            assertTrue(b.frozenLayerNames().containsAll(java.util.Set.of("conv1", "bn2")));
        }
    }

    @Test
    void interruptedAndResumedRunEqualsUninterruptedRun(@TempDir Path dir) {
        Map<String, float[]> uninterrupted;
        try (FrostModel m = modelWithDropout(3)) {
            m.freeze();
            new Trainer(m, new Sgd(0.9, true, 1e-3), config(), unfreezeAtStep(4)).fit(DATA, null);
            uninterrupted = Snapshots.of(m);
        }
        try (FrostModel m = modelWithDropout(3)) {
            m.freeze();
            Callback stopAfter7 = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 7) {
                        Checkpoints.save(dir, ctx.trainer());
                        ctx.requestStop();
                    }
                }
            };
            new Trainer(m, new Sgd(0.9, true, 1e-3), config(), unfreezeAtStep(4), stopAfter7).fit(DATA, null);
        }
        try (FrostModel m = modelWithDropout(1234)) {
            Trainer t = new Trainer(m, new Sgd(0.9, true, 1e-3), config(), unfreezeAtStep(4));
            Checkpoints.resume(dir, t);
            assertEquals(1, t.progress().epoch(), "7 steps of 6 per epoch: resumes in epoch 2");
            assertEquals(1, t.progress().stepInEpoch());
            t.fit(DATA, null);
            Map<String, float[]> resumed = Snapshots.of(m);
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), "tensor " + k));
        }
    }

    private static Callback unfreezeAtStep(long step) {
        return new Callback() {
            @Override
            public void beforeStep(TrainingContext ctx) {
                if (ctx.globalStep() == step) {
                    ctx.model().unfreeze();
                }
            }
        };
    }

    @Test
    void tamperedTruncatedOrMismatchedCheckpointsAreRefused(@TempDir Path dir) throws Exception {
        try (FrostModel m = model()) {
            Path weights = Checkpoints.saveModel(dir, m).resolve(Checkpoints.WEIGHTS);
            byte[] good = Files.readAllBytes(weights);

            byte[] flipped = good.clone();
            flipped[flipped.length - 3] ^= 0x40;
            Files.write(weights, flipped);
            FrostException e = assertThrows(FrostException.class, () -> Checkpoints.loadModel(dir, m));
            assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains(Checkpoints.WEIGHTS), e.getMessage());

            Files.write(weights, Arrays.copyOf(good, good.length / 2));
            assertThrows(FrostException.class, () -> Checkpoints.loadModel(dir, m));

            Files.write(weights, good);
            try (FrostModel other = Models.cnn(new int[] {4, 8, 16}, 10, 3)) {
                e = assertThrows(FrostException.class, () -> Checkpoints.loadModel(dir, other));
                assertTrue(e.getMessage().contains("shape mismatch for tensor 'conv3.weight'"), e.getMessage());
            }
            e = assertThrows(FrostException.class, () -> Checkpoints.loadModel(dir.resolve("missing"), m));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    @Test
    void weightsFileIsStandardSafetensors(@TempDir Path dir) throws Exception {
        try (FrostModel m = model()) {
            byte[] bytes = Files.readAllBytes(Checkpoints.saveModel(dir, m).resolve(Checkpoints.WEIGHTS));
            long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
            JsonNode conv = header.get("conv1.weight");
            assertEquals("F32", conv.get("dtype").asText());
            assertEquals("[4,1,3,3]", conv.get("shape").toString());
            assertEquals(4 * 9 * 4, conv.get("data_offsets").get(1).asLong() - conv.get("data_offsets").get(0).asLong());
            assertTrue(header.has("bn1.runningMean"));
        }
    }

    @Test
    void aNonFiniteModelIsNeverWrittenAndThePreviousCheckpointStays(@TempDir Path dir) throws Exception {
        try (FrostModel m = model(); FrostModel back = model()) {
            Checkpoints.saveModel(dir, m);
            Map<String, float[]> good = Snapshots.of(m);
            NDArray w = m.layer("conv1").allParameters().get("weight").getArray();
            float[] bad = w.toFloatArray();
            bad[0] = Float.NaN;
            try (NDArray nan = w.getManager().create(bad, w.getShape())) {
                nan.copyTo(w);
            }
            FrostException e = assertThrows(FrostException.class, () -> Checkpoints.saveModel(dir, m));
            assertTrue(e.getMessage().contains("conv1.weight") && e.getMessage().contains("not finite"),
                    e.getMessage());
            Checkpoints.loadModel(dir, back);
            assertTrue(Snapshots.changed(good, Snapshots.of(back)).isEmpty(), "the last good checkpoint loads");
        }
    }

    /** Two fit calls (frozen, then unfrozen with its own one-cycle); stopped at {@code stopAt} when given. */
    private static Map<String, float[]> twoCalls(Path dir, long stopAt) {
        try (FrostModel m = modelWithDropout(3)) {
            TrainConfig cfg = config().toBuilder().optSchedule("onecycle").build();
            Callback stop = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == stopAt) {
                        Checkpoints.save(dir, ctx.trainer());
                        ctx.requestStop();
                    }
                }
            };
            Trainer t = new Trainer(m, new Sgd(0.9, true, 1e-3), cfg, stop);
            m.freeze();
            t.fit(DATA, null, 2);
            if (t.progress().inCall()) {
                return null;
            }
            m.unfreeze();
            t.fit(DATA, null, 3);
            return t.progress().inCall() ? null : Snapshots.of(m);
        }
    }

    @Test
    void aResumeContinuesTheRightFitCallAndItsSchedule(@TempDir Path dir) {
        Map<String, float[]> uninterrupted = twoCalls(dir.resolve("unused"), -1);
        assertEquals(null, twoCalls(dir, 16), "stopped in the second call (steps 13..30)");
        try (FrostModel m = modelWithDropout(99)) {
            Trainer t = new Trainer(m, new Sgd(0.9, true, 1e-3),
                    config().toBuilder().optSchedule("onecycle").build());
            Checkpoints.resume(dir, t);
            assertEquals(2, t.progress().fitCall());
            assertEquals(2, t.progress().callStartEpoch());
            assertEquals(3, t.progress().callEpochs());
            assertTrue(m.frozenPaths().isEmpty(), "the second call trains everything");
            t.fit(DATA, null, 3); // continues the interrupted call, not a new one
            Map<String, float[]> resumed = Snapshots.of(m);
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), "tensor " + k));
        }
    }

    @Test
    void modelCheckpointKeepsTheBestByTheMonitoredMetric(@TempDir Path dir) {
        try (FrostModel m = modelWithDropout(5); FrostModel best = modelWithDropout(6)) {
            ModelCheckpoint mc = new ModelCheckpoint(dir, "valid_loss", 0, 1);
            java.util.List<Double> losses = new java.util.ArrayList<>();
            java.util.List<Map<String, float[]>> states = new java.util.ArrayList<>();
            Callback record = new Callback() {
                @Override
                public void afterEpoch(TrainingContext ctx) {
                    losses.add(ctx.history().get(ctx.history().size() - 1).validLoss());
                    states.add(Snapshots.of(ctx.model()));
                }
            };
            new Trainer(m, new Sgd(0.9, true, 1e-3), config().toBuilder().optLearningRate(0.5).build(), record, mc)
                    .fit(DATA, DATA, 4);
            int argmin = 0;
            for (int i = 1; i < losses.size(); i++) {
                argmin = losses.get(i) < losses.get(argmin) ? i : argmin;
            }
            assertEquals(losses.get(argmin), mc.best(), 0);
            Checkpoints.loadBest(dir, best);
            Map<String, float[]> expected = states.get(argmin);
            expected.forEach((k, v) -> assertArrayEquals(v, Snapshots.of(best).get(k), k));
        }
    }
}
