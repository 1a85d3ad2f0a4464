package dev.frost.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.loss.Losses;
import dev.frost.model.FrostModel;
import dev.frost.model.ModelSummary;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.callbacks.CollectBeforeBackward;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA on Frost's switches: exact start, only adapters train, merge/unmerge, the cache below the first adapter. */
class LoraModelTest {
    static final ArrayDataset DATA = SyntheticData.classification("vec", 96, new Shape(10), 3, 4);

    static TrainConfig epochs(int n, CacheConfig cache) {
        return TrainConfig.builder().setEpochs(n).optBatchSize(16).optLearningRate(1e-2).optSeed(3)
                .optProgressBar(false).optMeasureFullStep(false).optCache(cache).build();
    }

    static FrostModel mlp() {
        return Models.mlp(10, new int[] {16, 12, 8}, 3, 7);
    }

    static float[] predict(FrostModel m, NDArray x) {
        return m.predict(x).toFloatArray();
    }

    @Test
    void wrappedModelStartsBitIdenticalIncludingNestedTargets() {
        FrostModel base = FrostModel.builder(new Shape(10)).optSeed(5)
                .addGroup("stem", Layers.linear("fc1", 12), Layers.relu("r1"))
                .addGroup("body", Layers.residual("res", Layers.linear("fc", 12), Layers.relu("act")))
                .addGroup("head", Layers.linear("out", 3)).build();
        NDArray x = base.manager().randomNormal(new Shape(8, 10));
        float[] before = predict(base, x);
        try (LoraModel lora = LoraModel.apply(base, LoraConfig.builder().r(3).alpha(8).dropout(0.1f)
                .targetModules("fc", "out").build())) {
            assertEquals(Set.of("res.body.fc", "out"), lora.adapters().keySet(), "'fc' matches res.body.fc only");
            assertArrayEquals(before, predict(lora.model(), x), "B = 0: outputs bit-identical before any step");
            assertTrue(lora.model().stateTensors().containsKey("res.body.fc.lora_A.weight"));
            assertEquals(new Shape(3, 12), lora.adapters().get("res.body.fc").loraA().getShape());
            assertEquals(new Shape(3, 3), lora.adapters().get("out").loraB().getShape());
            float bound = (float) (1 / Math.sqrt(12));
            for (float a : lora.adapters().get("res.body.fc").loraA().getArray().toFloatArray()) {
                assertTrue(Math.abs(a) <= bound, "A ~ U(-1/sqrt(in), 1/sqrt(in))");
            }
        }
    }

    @Test
    void onlyAdaptersTrainAndBaseOwnsNoOptimizerState() {
        try (LoraModel lora = LoraModel.apply(mlp(), LoraConfig.builder().r(2).alpha(4).dropout(0.1f)
                .targetModules("fc2", "fc3").build())) {
            FrostModel m = lora.model();
            assertEquals(2, m.frozenPrefixLength(), "fc1 and relu1 sit below the first adapter: a frozen prefix");
            ModelSummary s = m.summary();
            assertTrue(s.rows().stream().anyMatch(r -> r.layer().equals("fc2") && r.kind().equals("lora")), s.toString());
            assertTrue(s.rows().stream().anyMatch(r -> r.layer().equals("fc2.base_layer") && !r.trainable()));
            assertTrue(s.toString().contains("LoRA adapters: fc2, fc3"), s.toString());
            assertEquals((2 * 16 + 12 * 2) + (2 * 12 + 8 * 2), s.trainableParameters(), "A and B only");
            Map<String, float[]> before = Snapshots.of(m);
            AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1);
            new Trainer(m, opt, epochs(2, null)).fit(DATA, null);
            Set<String> adapters = Set.of("fc2.lora_A.weight", "fc2.lora_B.weight", "fc3.lora_A.weight",
                    "fc3.lora_B.weight");
            assertEquals(adapters, Snapshots.changed(before, Snapshots.of(m)), "base bit-identical, adapters moved");
            assertEquals(adapters, new TreeSet<>(opt.statefulParameters()), "no optimizer state for base weights");
            assertFalse(m.learnableParameters().get("fc2.base_layer.weight").requiresGradient());
        }
    }

    @Test
    void aCollectionBetweenEveryForwardAndBackwardChangesNothing() {
        // LoRA's scaling, the label-smoothed loss and the accumulation weight are constants in the graph
        Map<String, float[]>[] weights = new Map[2];
        for (int run = 0; run < 2; run++) {
            try (LoraModel lora = LoraModel.apply(mlp(), LoraConfig.builder().r(2).alpha(8).targetModules("fc2", "out")
                    .build())) {
                TrainConfig cfg = TrainConfig.builder().setEpochs(2).optBatchSize(8).optAccumulateBatches(2)
                        .optLoss(Losses.softmaxCrossEntropy(0.1)).optLearningRate(1e-2).optSeed(3)
                        .optProgressBar(false).optMeasureFullStep(false).build();
                List<Callback> callbacks = run == 0 ? List.of() : List.of(new CollectBeforeBackward());
                new Trainer(lora.model(), new AdamW(), cfg, callbacks).fit(DATA, null);
                weights[run] = Snapshots.of(lora.model());
            }
        }
        weights[0].forEach((k, v) -> assertArrayEquals(v, weights[1].get(k), k));
    }

    @Test
    void mergeAndUnmergeKeepOutputs() {
        try (LoraModel lora = LoraModel.apply(mlp(), LoraConfig.builder().r(3).alpha(6).targetModules("fc1", "out")
                .build())) {
            new Trainer(lora.model(), new AdamW(), epochs(2, null)).fit(DATA, null);
            NDArray x = lora.model().manager().randomNormal(new Shape(8, 10));
            float[] adapted = predict(lora.model(), x);
            float[] w = lora.adapters().get("fc1").baseWeight().getArray().toFloatArray();
            lora.merge();
            assertTrue(lora.isMerged());
            assertFalse(java.util.Arrays.equals(w, lora.adapters().get("fc1").baseWeight().getArray().toFloatArray()),
                    "merging changes W");
            assertArrayEquals(adapted, predict(lora.model(), x), 1e-5f, "merged outputs equal adapted outputs");
            assertEquals(lora.model().layers().size(), lora.model().frozenPrefixLength(), "merged: nothing trains");
            lora.unmerge();
            assertArrayEquals(adapted, predict(lora.model(), x), 1e-5f);
            assertArrayEquals(w, lora.adapters().get("fc1").baseWeight().getArray().toFloatArray(), 1e-6f);
            assertEquals(0, lora.model().frozenPrefixLength(), "unmerged: fc1's adapter trains again");
        }
    }

    @Test
    void cachedFrozenPrefixGivesBitIdenticalAdapters() {
        LoraConfig cfg = LoraConfig.builder().r(2).alpha(4).targetModules("fc3").modulesToSave("out").build();
        Map<String, float[]> plain;
        try (LoraModel lora = LoraModel.apply(mlp(), cfg)) {
            assertEquals(4, lora.model().frozenPrefixLength(), "fc1..relu2: frozen, un-adapted prefix");
            new Trainer(lora.model(), new AdamW(), epochs(3, null)).fit(DATA, null);
            plain = Snapshots.of(lora.model());
        }
        try (LoraModel lora = LoraModel.apply(mlp(), cfg)) {
            FitResult r = new Trainer(lora.model(), new AdamW(), epochs(3, CacheConfig.defaults())).fit(DATA, null);
            assertTrue(r.cache().hits() > 0, "later epochs read the prefix's activations from the cache");
            Map<String, float[]> cached = Snapshots.of(lora.model());
            plain.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k));
        }
    }
}
