package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.data.ArrayDataset;
import dev.frost.data.HostBatch;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import dev.frost.text.onnx.MiniLm;
import dev.frost.text.onnx.OnnxGraph;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.callbacks.CollectBeforeBackward;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BERT layers with side inputs, Hugging Face names, sub-layer freezing, the cache, and old checkpoints. */
class BertLayersTest {
    private static final Bert.Config TINY = new Bert.Config(50, 16, 2, 8, 2, 16, 2);
    private static final int SEQ = 8;

    /** Random token sequences of random length, with their mask and (for {@code twoSegments}) token types. */
    private static ArrayDataset data(int n, boolean twoSegments, long seed) {
        float[] ids = new float[n * SEQ];
        float[] mask = new float[n * SEQ];
        float[] types = new float[n * SEQ];
        int[] y = new int[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int len = 3 + r.nextInt(SEQ - 3);
            y[i] = r.nextInt(2);
            for (int j = 0; j < len; j++) {
                ids[i * SEQ + j] = 1 + r.nextInt(49);
                mask[i * SEQ + j] = 1;
                types[i * SEQ + j] = twoSegments && j >= len / 2 ? 1 : 0;
            }
        }
        Shape s = new Shape(SEQ);
        return new ArrayDataset("bert-" + seed + (twoSegments ? "-2seg" : ""), ids, y, s, 2)
                .withSideInput(Bert.ATTENTION_MASK, s, mask).withSideInput(Bert.TOKEN_TYPE_IDS, s, types);
    }

    private static float[] logits(FrostModel m, ArrayDataset d) {
        try (NDManager mgr = m.manager().newSubManager()) {
            var b = HostBatch.read(d, d.naturalOrder(), null, 0).toEngine(mgr);
            return m.predict(b.features(), b.sideInputs()).toFloatArray();
        }
    }

    @Test
    void tensorNamesAreHuggingFacesOneToOne() {
        OnnxGraph graph = MiniLm.readBundled();
        Set<String> hf = new HashSet<>(graph.initializers().keySet());
        graph.linearWeightNames().forEach((onnx, name) -> {
            hf.remove(onnx);
            hf.add(name);
        });
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, 8, 2, 1)) {
            Set<String> frostEncoder = new HashSet<>();
            m.stateTensors().keySet().stream().filter(k -> !k.startsWith("classifier.")).forEach(frostEncoder::add);
            Set<String> mapped = new HashSet<>();
            hf.forEach(n -> mapped.add(Bert.frostName(n)));
            assertEquals(frostEncoder, mapped, "every Hugging Face tensor is a Frost tensor and back");
            hf.forEach(n -> assertEquals(n, Bert.huggingFaceName(Bert.frostName(n))));
            assertTrue(frostEncoder.contains("layer3.attention.self.query.weight"));
            assertTrue(frostEncoder.contains("embeddings.LayerNorm.bias"));
        }
    }

    @Test
    void tokenTypesAndTheMaskReachTheModel() {
        try (FrostModel m = Bert.classifier(TINY, SEQ, 2, 3)) {
            float[] one = logits(m, data(4, false, 1));
            float[] two = logits(m, data(4, true, 1));
            assertFalse(java.util.Arrays.equals(one, two), "token_type_ids change the output");
            // padding positions do not matter: other ids there give the same output
            ArrayDataset d = data(4, false, 2);
            float[] ids = new float[4 * SEQ];
            float[] mask = new float[4 * SEQ];
            for (int i = 0; i < 4; i++) {
                d.readFeatures(i, ids, i * SEQ);
                d.readSideInput(Bert.ATTENTION_MASK, i, mask, i * SEQ);
            }
            float[] noisy = ids.clone();
            for (int k = 0; k < noisy.length; k++) {
                noisy[k] = mask[k] > 0 ? noisy[k] : 7;
            }
            Shape s = new Shape(SEQ);
            ArrayDataset padded = new ArrayDataset("noisy", noisy, new int[4], s, 2)
                    .withSideInput(Bert.ATTENTION_MASK, s, mask).withSideInput(Bert.TOKEN_TYPE_IDS, s, new float[32]);
            float[] a = logits(m, d);
            float[] b = logits(m, padded);
            for (int k = 0; k < a.length; k++) {
                assertEquals(a[k], b[k], 1e-5, "padding is masked");
            }
        }
    }

    @Test
    void aCollectionBetweenEveryForwardAndBackwardChangesNothing() {
        // the attention's scale and the pooling's floor are constants in the graph; a freed one gave NaN gradients
        ArrayDataset train = data(32, false, 6);
        Map<String, float[]>[] results = new Map[2];
        for (int run = 0; run < 2; run++) {
            try (FrostModel m = Bert.classifier(TINY, SEQ, 2, 4); AdamW opt = new AdamW()) {
                TrainConfig cfg = TrainConfig.builder().setEpochs(2).optBatchSize(8).optLearningRate(1e-2)
                        .optProgressBar(false).optSeed(11).build();
                new Trainer(m, opt, cfg, run == 0 ? List.of() : List.of(new CollectBeforeBackward())).fit(train, null);
                results[run] = Snapshots.of(m);
            }
        }
        results[0].forEach((k, v) -> assertArrayEquals(v, results[1].get(k), k + ": with vs without collections"));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "dropout {0}")
    @org.junit.jupiter.params.provider.ValueSource(floats = {0f, 0.2f})
    void aSubLayerFreezesOnItsOwnAndACachedFrozenPrefixTrainsBitIdentically(float dropout) {
        // with dropout too: it runs only in the layers that train, so the cached prefix is the one recomputed
        ArrayDataset train = data(32, true, 5);
        Map<String, float[]>[] results = new Map[2];
        for (int run = 0; run < 2; run++) {
            try (FrostModel m = Bert.classifier(TINY.withDropout(dropout, dropout), SEQ, 2, 4);
                 AdamW opt = new AdamW()) {
                m.freezeTo(2); // embeddings and layer0: a frozen prefix of side-input layers
                m.layer("layer1").sublayer("attention.self.query").setTrainable(false);
                Map<String, float[]> before = Snapshots.of(m);
                TrainConfig cfg = TrainConfig.builder().setEpochs(3).optBatchSize(8).optLearningRate(1e-2)
                        .optProgressBar(false).optSeed(11).optCache(run == 0 ? null : CacheConfig.defaults()).build();
                var r = new Trainer(m, opt, cfg).fit(train, train);
                if (run == 1) {
                    assertTrue(r.cache().hits() > 0, "the cache served the frozen prefix");
                }
                Set<String> changed = Snapshots.changed(before, Snapshots.of(m));
                assertFalse(changed.stream().anyMatch(k -> k.startsWith("embeddings.") || k.startsWith("layer0.")));
                assertFalse(changed.contains("layer1.attention.self.query.weight"), "a frozen sub-layer stays");
                assertTrue(changed.contains("layer1.attention.self.key.weight"), "its siblings train");
                assertFalse(opt.hasState("layer1.attention.self.query.weight"));
                results[run] = Snapshots.of(m);
            }
        }
        results[0].forEach((k, v) -> assertArrayEquals(v, results[1].get(k), k + ": cached vs uncached"));
    }

    @Test
    void withTheEncoderFrozenThePooledFeaturesAreCached() {
        try (FrostModel m = Bert.classifier(TINY, SEQ, 2, 4); AdamW opt = new AdamW()) {
            m.freezeTo(-1); // everything but the head (pool + classifier)
            assertEquals(m.layers().size() - 1, m.frozenPrefixLength(), "the pooling joins the frozen prefix");
            TrainConfig cfg = TrainConfig.builder().setEpochs(2).optBatchSize(8).optLearningRate(1e-2)
                    .optProgressBar(false).optCache(CacheConfig.defaults()).build();
            var r = new Trainer(m, opt, cfg).fit(data(16, false, 3), null);
            assertTrue(r.cache().hits() > 0, "the pooled features were served from the cache");
        }
    }

    @Test
    void dropoutIsOffAtInferenceOnInTrainingLayersAndOffInFrozenOnes() {
        ArrayDataset d = data(16, false, 6);
        try (FrostModel plain = Bert.classifier(TINY, SEQ, 2, 7);
             FrostModel drop = Bert.classifier(TINY.withDropout(0.3f, 0.3f), SEQ, 2, 7)) {
            assertEquals(Snapshots.of(plain).keySet(), Snapshots.of(drop).keySet(), "dropout adds no parameter");
            Snapshots.of(plain).forEach((k, v) -> assertArrayEquals(v, Snapshots.of(drop).get(k), k));
            assertArrayEquals(logits(plain, d), logits(drop, d), 0f, "no dropout at inference");
            try (NDManager mgr = drop.manager().newSubManager()) {
                var b = HostBatch.read(d, d.naturalOrder(), null, 0).toEngine(mgr);
                int n = drop.layers().size();
                float[] t1 = drop.forward(b.features(), b.sideInputs(), true, 0, n).toFloatArray();
                float[] t2 = drop.forward(b.features(), b.sideInputs(), true, 0, n).toFloatArray();
                assertFalse(java.util.Arrays.equals(t1, t2), "training mode drops out");
                drop.freezeTo(2); // embeddings and layer0: in training mode they run as at inference
                float[] f1 = drop.forward(b.features(), b.sideInputs(), true, 0, 2).toFloatArray();
                float[] f2 = drop.forward(b.features(), b.sideInputs(), false, 0, 2).toFloatArray();
                assertArrayEquals(f2, f1, 0f, "a frozen prefix never drops out");
            }
        }
        org.junit.jupiter.api.Assertions.assertThrows(dev.frost.FrostException.class,
                () -> TINY.withDropout(1f, 0f));
    }

    @Test
    void aCheckpointWrittenBeforeHuggingFaceNamesStillLoadsAndResumes(@TempDir Path tmp) throws Exception {
        // written by the previous Frost (tensors layer0.q_weight, embeddings.ln_gamma, ..., a (2, S) input)
        Path golden = tmp.resolve("golden");
        copyResourceTree("/golden/bert-pre-hf-names/checkpoint", golden);
        JsonNode expected = new ObjectMapper().readTree(
                getClass().getResourceAsStream("/golden/bert-pre-hf-names/expected.json"));
        try (FrostModel m = Bert.classifier(TINY, SEQ, 2, 99); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, TrainConfig.builder().optBatchSize(8).optLearningRate(1e-2)
                    .optProgressBar(false).optShuffle(false).build());
            Checkpoints.resume(golden, t, true);
            assertEquals(Set.of("embeddings", "layer0"), m.frozenLayerNames());
            assertTrue(opt.hasState("layer1.attention.self.query.weight"), "optimizer state renamed too");
            // the old input was (2, S): ids then mask
            JsonNode f = expected.get("features");
            int n = 4;
            float[] ids = new float[n * SEQ];
            float[] mask = new float[n * SEQ];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < SEQ; j++) {
                    ids[i * SEQ + j] = (float) f.get(i * 2 * SEQ + j).asDouble();
                    mask[i * SEQ + j] = (float) f.get(i * 2 * SEQ + SEQ + j).asDouble();
                }
            }
            Shape s = new Shape(SEQ);
            ArrayDataset d = new ArrayDataset("golden", ids, new int[n], s, 2)
                    .withSideInput(Bert.ATTENTION_MASK, s, mask).withSideInput(Bert.TOKEN_TYPE_IDS, s, new float[n * SEQ]);
            float[] got = logits(m, d);
            for (int k = 0; k < got.length; k++) {
                assertEquals(expected.get("logits").get(k).asDouble(), got[k], 1e-5, "logit " + k);
            }
        }
    }

    private static void copyResourceTree(String root, Path to) throws Exception {
        for (String rel : new String[] {"LATEST", "v000000002-0/checkpoint.json", "v000000002-0/model.safetensors",
            "v000000002-0/optimizer.safetensors"}) {
            Path target = to.resolve(rel);
            Files.createDirectories(target.getParent());
            try (var in = BertLayersTest.class.getResourceAsStream(root + "/" + rel)) {
                Files.write(target, in.readAllBytes());
            }
        }
    }
}
