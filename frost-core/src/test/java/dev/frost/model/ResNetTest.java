package dev.frost.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.io.Checkpoints;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.layers.Flops;
import dev.frost.train.FitResult;
import dev.frost.train.StepFlops;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Residual blocks and the ResNet builder under the four switches, checked bit for bit on real training steps. */
class ResNetTest {
    private static final Shape IMAGE = new Shape(1, 12, 12);
    private static final ArrayDataset DATA = SyntheticData.classification("img", 64, IMAGE, 3, 4);

    /** stem (3 layers), stage1 = res1_1 (identity shortcut), stage2 = res2_1 (projection), head. */
    private static FrostModel small(long seed) {
        return Models.resnet(IMAGE, new int[] {4, 8}, 1, 3, seed);
    }

    private static TrainConfig config(int epochs, CacheConfig cache) {
        return TrainConfig.builder().setEpochs(epochs).optBatchSize(16).optLearningRate(1e-2).optSeed(8)
                .optProgressBar(false).optMeasureFullStep(false).optCache(cache).build();
    }

    private static Set<String> tensorsUnder(FrostModel model, String... prefixes) {
        Set<String> out = new TreeSet<>();
        for (String k : model.stateTensors().keySet()) {
            for (String p : prefixes) {
                if (k.startsWith(p)) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    @Test
    void defaultResNetHasStagesNestedNamesShapesAndFlops() {
        try (FrostModel m = Models.resnet(10, 1); NDManager mgr = m.manager().newSubManager()) {
            assertEquals(List.of("stem", "stage1", "stage2", "stage3", "head"),
                    m.groups().stream().map(LayerGroup::name).toList());
            assertEquals(new Shape(16, 28, 28), m.layer("res1_1").outputShape());
            assertEquals(new Shape(32, 14, 14), m.layer("res2_1").outputShape());
            assertEquals(new Shape(64, 7, 7), m.layer("res3_1").outputShape());
            assertEquals(new Shape(2, 10), m.predict(mgr.randomNormal(new Shape(2, 1, 28, 28))).getShape());
            assertTrue(m.stateTensors().keySet().containsAll(Set.of("res2_1.body.conv1.weight",
                    "res2_1.body.bn1.runningMean", "res2_1.shortcut.conv.weight", "res2_1.shortcut.bn.runningVar")));

            FrostException e = assertThrows(FrostException.class, () -> m.layer("res1_1").sublayer("shortcut"));
            assertTrue(e.getMessage().contains("no sub-layer 'shortcut'"), e.getMessage());
            Layer res = m.layer("res2_1");
            assertEquals(new Shape(32, 14, 14), res.sublayer("shortcut.conv").outputShape());
            long children = res.children().stream().mapToLong(Layer::forwardFlops).sum();
            assertEquals(children + 32 * 14 * 14, res.forwardFlops(), "children plus the residual add");
            assertEquals(2L * 32 * 16 * 9 * 14 * 14, res.sublayer("body.conv1").forwardFlops());
            ModelSummary s = m.summary();
            assertEquals(s.rows().stream().filter(r -> r.depth() == 0).mapToLong(ModelSummary.Row::forwardFlops)
                    .sum(), s.totalForwardFlops(), "nested rows are not counted twice");
            ModelSummary.Row conv = s.rows().stream().filter(r -> r.layer().equals("res2_1.shortcut.conv"))
                    .findFirst().orElseThrow();
            assertEquals(2, conv.depth());
            assertEquals("stage2", conv.group());
        }
    }

    @Test
    void unknownChildFlopsAndAMissingProjectionAreReported() {
        Layer unknown = Layers.residual("r", Layers.custom("c", Activation.reluBlock()));
        try (FrostModel m = FrostModel.builder(IMAGE).addGroup("g", unknown).addGroup("head", Layers.flatten("f"),
                Layers.linear("fc", 3)).build()) {
            assertFalse(m.layer("r").hasKnownFlops(), "unknown when a child is unknown");
            assertTrue(m.summary().toString().contains("unknown"));
        }
        FrostException e = assertThrows(FrostException.class, () -> FrostModel.builder(IMAGE)
                .addGroup("g", Layers.residual("r", Layers.conv2d("conv", 4, 3, 1, 1))).build());
        assertTrue(e.getMessage().contains("residual layer 'r'") && e.getMessage().contains("projection"),
                e.getMessage());
    }

    @Test
    void trainsOnATinySyntheticTask() {
        try (FrostModel m = small(1)) {
            FitResult r = new Trainer(m, new AdamW(), config(4, null)).fit(DATA, null);
            double first = r.epochs().get(0).trainLoss();
            double last = r.epochs().get(3).trainLoss();
            assertTrue(last < 0.7 * first, "loss falls: " + first + " -> " + last);
        }
    }

    @Test
    void freezeToKeepsFrozenStagesBitIdenticalIncludingNestedBatchNormStatistics() {
        try (FrostModel m = small(2)) {
            m.freezeTo(2);
            m.applyFreezeState();
            assertEquals(4, m.frozenPrefixLength(), "stem's three layers and res1_1");
            Map<String, float[]> before = Snapshots.of(m);
            new Trainer(m, new Sgd(0.9, true, 1e-2), config(1, null)).fit(DATA, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(m));
            Set<String> frozen = tensorsUnder(m, "stem_", "res1_1.");
            assertTrue(frozen.contains("res1_1.body.bn2.runningVar"));
            for (String t : frozen) {
                assertFalse(changed.contains(t), "frozen tensor changed: " + t);
            }
            assertTrue(changed.containsAll(Set.of("res2_1.body.conv1.weight", "res2_1.body.bn1.runningMean",
                    "res2_1.shortcut.bn.runningVar", "fc.weight")), "changed: " + changed);
        }
    }

    @Test
    void partiallyFrozenCompositeTrainsOnlyItsTrainablePart() {
        try (FrostModel m = small(3)) {
            long allBackward = StepFlops.of(m, false).backward();
            m.layer("res2_1").sublayer("shortcut").setTrainable(false);
            Layer shortcut = m.layer("res2_1").sublayer("shortcut");
            assertEquals(allBackward - Flops.weightGradient(shortcut), StepFlops.of(m, false).backward(),
                    "only the frozen sub-layers' weight gradients leave the step");
            m.applyFreezeState();
            assertEquals(0, m.frozenPrefixLength());
            assertTrue(m.layer("res2_1").isTrainable(), "partly frozen is still trainable");
            for (Parameter p : m.layer("res2_1").sublayer("shortcut").learnableParameters().values()) {
                assertFalse(p.requiresGradient(), "the frozen part gets no gradient");
            }
            ModelSummary.Row row = m.summary().rows().stream().filter(r -> r.layer().equals("res2_1"))
                    .findFirst().orElseThrow();
            assertEquals(row.parameters() - shortcut.parameterCount(), row.trainableParameters());
            assertTrue(m.summary().toString().contains("partial"));

            Map<String, float[]> before = Snapshots.of(m);
            AdamW opt = new AdamW();
            new Trainer(m, opt, config(1, null)).fit(DATA, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(m));
            for (String t : tensorsUnder(m, "res2_1.shortcut.")) {
                assertFalse(changed.contains(t), "frozen shortcut tensor changed: " + t);
                assertFalse(opt.hasState(t), "frozen shortcut tensor has optimizer state: " + t);
            }
            assertTrue(changed.containsAll(Set.of("res2_1.body.conv1.weight", "res2_1.body.bn2.runningMean",
                    "res1_1.body.conv1.weight", "stem_conv.weight")), "the rest trains: " + changed);
            assertTrue(opt.hasState("res2_1.body.conv1.weight"));
        }
    }

    @Test
    void trainBnReachesNestedBatchNormsAndNestedLiveLayersRefuseTheCache() {
        try (FrostModel m = small(4)) {
            m.freeze().setTrainBn(true);
            Map<String, float[]> before = Snapshots.of(m);
            new Trainer(m, new AdamW(), config(1, null)).fit(DATA, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(m));
            assertTrue(changed.containsAll(Set.of("res1_1.body.bn1.runningMean", "res1_1.body.bn2.gamma",
                    "res2_1.shortcut.bn.runningVar", "res2_1.shortcut.bn.beta")), "changed: " + changed);
            assertFalse(changed.contains("res1_1.body.conv1.weight"));
            assertFalse(changed.contains("res2_1.shortcut.conv.weight"));
        }
        Layer block = Layers.residual("res", List.of(Layers.conv2d("conv", 1, 3, 1, 1), Layers.batchNorm("bn")),
                null, Layers.relu("relu"));
        Layer drop = Layers.sequential("blk", Layers.flatten("flat"), Layers.linear("fc", 8), Layers.dropout("drop", 0.5f));
        try (FrostModel m = FrostModel.builder(IMAGE).addGroup("a", block).addGroup("b", drop)
                .addGroup("head", Layers.linear("out", 3)).build()) {
            m.freeze().setTrainBn(true);
            String why = ActivationCache.refusal(m, 1, false);
            assertTrue(why != null && why.contains("'res.body.bn'"), why);
            m.setTrainBn(false);
            assertNull(ActivationCache.refusal(m, 1, false));
            m.layer("blk").sublayer("drop").setTrainable(true);
            m.applyFreezeState();
            assertEquals(2, m.frozenPrefixLength(), "a composite with nothing to train stays in the prefix");
            why = ActivationCache.refusal(m, 2, false);
            assertTrue(why != null && why.contains("dropout 'blk.drop'"), why);
        }
    }

    @Test
    void activationCacheWithAFrozenResidualPrefixGivesBitIdenticalWeights() {
        Map<String, float[]> plain;
        try (FrostModel m = small(5)) {
            m.freezeTo(2);
            new Trainer(m, new AdamW(), config(2, null)).fit(DATA, DATA);
            plain = Snapshots.of(m);
        }
        try (FrostModel m = small(5)) {
            m.freezeTo(2);
            FitResult r = new Trainer(m, new AdamW(), config(2, CacheConfig.defaults())).fit(DATA, DATA);
            Map<String, float[]> cached = Snapshots.of(m);
            plain.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k));
            assertTrue(r.cache().hits() > 0, "the second epoch is served from the cache");
        }
    }

    @Test
    void checkpointsRoundTripNestedNamesAndNestedFreezeState(@TempDir Path dir) throws Exception {
        try (FrostModel a = small(6); FrostModel b = small(99)) {
            a.freezeTo(1);
            a.layer("res2_1").sublayer("shortcut").setTrainable(false);
            a.layer("res2_1").setParameterTrainable("body.conv2.bias", false);
            Trainer t = new Trainer(a, new AdamW(), config(1, null));
            t.fit(DATA, null);
            Path version = Checkpoints.save(dir, t);

            Trainer resumed = new Trainer(b, new AdamW(), config(1, null));
            Checkpoints.resume(dir, resumed);
            assertEquals(a.frozenPaths(), b.frozenPaths());
            assertTrue(b.frozenPaths().containsAll(Set.of("stem_conv", "res2_1.shortcut.conv",
                    "res2_1.shortcut.bn", "res2_1.body.conv2.bias")), "paths: " + b.frozenPaths());
            assertFalse(b.layer("res2_1").isParameterTrainable("body.conv2.bias"));
            assertTrue(b.layer("res2_1").isParameterTrainable("body.conv2.weight"));
            Map<String, float[]> sa = Snapshots.of(a);
            Map<String, float[]> sb = Snapshots.of(b);
            sa.forEach((k, v) -> assertArrayEquals(v, sb.get(k), k));
            assertEquals(t.optimizer().statefulParameters(), resumed.optimizer().statefulParameters());
            assertTrue(resumed.optimizer().hasState("res2_1.body.conv1.weight"));

            JsonNode manifest = new ObjectMapper().readTree(Files.readAllBytes(version.resolve(Checkpoints.MANIFEST)));
            assertTrue(manifest.at("/freeze/frozenPaths").toString().contains("res2_1.shortcut.bn"));
        }
    }
}
