package dev.frost.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.LoraLinear;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static dev.frost.lora.LoraModelTest.DATA;
import static dev.frost.lora.LoraModelTest.epochs;
import static dev.frost.lora.LoraModelTest.mlp;
import static dev.frost.lora.LoraModelTest.predict;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEFT's adapter files: names, config keys, a plain-Python recomputation, swapping adapters, and refusals. */
class LoraPeftFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static LoraConfig config() {
        return LoraConfig.builder().r(2).alpha(5).dropout(0.05f).targetModules("fc2", "fc3").modulesToSave("out")
                .baseModelNameOrPath("frost/mlp-10-16-12-8-3").taskType("SEQ_CLS").build();
    }

    @Test
    void savedAdapterHasPeftNamesAndKeysAndPythonRecomputesTheLayer(@TempDir Path dir) throws Exception {
        try (LoraModel lora = LoraModel.apply(mlp(), config())) {
            new Trainer(lora.model(), new AdamW(), epochs(1, null)).fit(DATA, null);
            lora.save(dir);
            JsonNode cfg = JSON.readTree(dir.resolve("adapter_config.json").toFile());
            for (String k : List.of("r", "lora_alpha", "target_modules", "lora_dropout", "bias",
                    "base_model_name_or_path", "peft_type", "task_type", "fan_in_fan_out", "modules_to_save",
                    "init_lora_weights", "use_rslora", "use_dora", "rank_pattern", "alpha_pattern", "inference_mode")) {
                assertTrue(cfg.has(k), "adapter_config.json has " + k);
            }
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals(5, cfg.get("lora_alpha").asInt());
            assertEquals("[\"fc2\",\"fc3\"]", cfg.get("target_modules").toString());
            assertEquals(Set.of("base_model.model.fc2.lora_A.weight", "base_model.model.fc2.lora_B.weight",
                    "base_model.model.fc3.lora_A.weight", "base_model.model.fc3.lora_B.weight",
                    "base_model.model.out.weight", "base_model.model.out.bias"),
                    new TreeSet<>(lora.peftTensors().keySet()));

            Map<String, float[]> trained = Snapshots.of(lora.model());
            try (LoraModel fresh = LoraModel.apply(mlp(), config())) {
                fresh.load(dir);
                Map<String, float[]> loaded = Snapshots.of(fresh.model());
                trained.forEach((k, v) -> assertArrayEquals(v, loaded.get(k), k + " round-trips bit for bit"));
                assertEquals(2.5f, fresh.adapters().get("fc2").scaling());
            }

            Assumptions.assumeTrue(Files.isExecutable(PYTHON), "skipped: /usr/bin/python3 is absent, so the PEFT"
                    + " file check in plain Python cannot run");
            LoraLinear fc2 = lora.adapters().get("fc2");
            NDArray x = lora.model().manager().randomNormal(new Shape(4, 16));
            NDArray y = fc2.layer().forward(new ParameterStore(lora.model().manager(), false), x, false);
            ObjectNode nums = JSON.createObjectNode();
            nums.put("module", "fc2");
            nums.set("x", JSON.valueToTree(rows(x.toFloatArray(), 16)));
            nums.set("weight", JSON.valueToTree(rows(fc2.baseWeight().getArray().toFloatArray(), 16)));
            nums.set("bias", JSON.valueToTree(fc2.tensors().get("base_layer.bias").getArray().toFloatArray()));
            nums.set("y", JSON.valueToTree(rows(y.toFloatArray(), 12)));
            Path numbers = dir.resolve("numbers.json");
            JSON.writeValue(numbers.toFile(), nums);
            Path script = Path.of(getClass().getResource("peft_check.py").toURI());
            Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), dir.toString(), numbers.toString())
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.startsWith("OK"), out);
        }
    }

    private static List<float[]> rows(float[] flat, int cols) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < flat.length; i += cols) {
            out.add(java.util.Arrays.copyOfRange(flat, i, i + cols));
        }
        return out;
    }

    @Test
    void swappingAdaptersOnOneBaseFollowsTheLoadedOne(@TempDir Path dir) {
        try (LoraModel lora = LoraModel.apply(mlp(), config())) {
            NDArray x = lora.model().manager().randomNormal(new Shape(8, 10));
            new Trainer(lora.model(), new AdamW(), epochs(1, null)).fit(DATA, null);
            lora.save(dir.resolve("x"));
            float[] outX = predict(lora.model(), x);
            new Trainer(lora.model(), new AdamW(), epochs(2, null)).fit(DATA, null);
            LoraConfig y = lora.config().toBuilder().alpha(3).build();
            try (LoraModel other = LoraModel.apply(mlp(), y)) {
                other.load(dir.resolve("x"));
                assertArrayEquals(outX, predict(other.model(), x), "another model on the same base reads X");
            }
            // adapter Y: the further-trained weights, saved with another alpha (the scale comes from the file)
            Path yDir = dir.resolve("y");
            lora.save(yDir);
            rewriteAlpha(yDir, 3);
            lora.load(yDir);
            assertEquals(1.5f, lora.adapters().get("fc3").scaling());
            float[] outY = predict(lora.model(), x);
            assertFalse(java.util.Arrays.equals(outX, outY));
            lora.load(dir.resolve("x"));
            assertArrayEquals(outX, predict(lora.model(), x), "X again");
            lora.load(yDir);
            assertArrayEquals(outY, predict(lora.model(), x), "Y again");
            lora.merge();
            lora.load(dir.resolve("x"));
            assertTrue(lora.isMerged(), "a merged model stays merged, with the new adapter");
            assertArrayEquals(outX, predict(lora.model(), x), 1e-5f);
        }
    }

    private static void rewriteAlpha(Path dir, int alpha) {
        edit(dir, c -> c.put("lora_alpha", alpha));
    }

    private static void edit(Path dir, java.util.function.Consumer<ObjectNode> change) {
        try {
            Path f = dir.resolve("adapter_config.json");
            ObjectNode c = (ObjectNode) JSON.readTree(f.toFile());
            change.accept(c);
            JSON.writeValue(f.toFile(), c);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badTargetsAndRanksAreRefusedNamingTheModule() {
        try (FrostModel base = mlp()) {
            String e = assertThrows(FrostException.class, () -> LoraModel.apply(base,
                    LoraConfig.builder().targetModules("fc2", "fc9").r(2).build())).getMessage();
            assertTrue(e.contains("'fc9' matches no layer"), e);
            e = assertThrows(FrostException.class, () -> LoraModel.apply(base,
                    LoraConfig.builder().targetRegex("nothing.*").r(2).build())).getMessage();
            assertTrue(e.contains("'nothing.*' matches no layer"), e);
            e = assertThrows(FrostException.class, () -> LoraModel.apply(base,
                    LoraConfig.builder().targetModules("relu1").r(2).build())).getMessage();
            assertTrue(e.contains("relu1") && e.contains("Linear layers only"), e);
            e = assertThrows(FrostException.class, () -> LoraModel.apply(base,
                    LoraConfig.builder().targetModules("fc3").r(9).build())).getMessage();
            assertTrue(e.contains("module 'fc3'") && e.contains("rank 9"), e);
            e = assertThrows(FrostException.class, () -> LoraConfig.builder().targetModules("fc3").r(0).build())
                    .getMessage();
            assertTrue(e.contains("r must be positive"), e);
            assertEquals(0, base.summary().rows().stream().filter(r -> r.kind().equals("lora")).count(),
                    "a refused apply changes nothing");
        }
    }

    @Test
    void foreignOrBrokenAdaptersAreRefusedAndLeaveTheModelUntouched(@TempDir Path dir) throws IOException {
        try (LoraModel wider = LoraModel.apply(Models.mlp(10, new int[] {20, 12, 8}, 3, 7), config());
             LoraModel more = LoraModel.apply(mlp(), config().toBuilder().targetModules("fc1", "fc2", "fc3").build());
             LoraModel lora = LoraModel.apply(mlp(), config())) {
            wider.save(dir.resolve("wider"));
            more.save(dir.resolve("more"));
            new Trainer(lora.model(), new AdamW(), epochs(1, null)).fit(DATA, null);
            lora.save(dir.resolve("ok"));
            Map<String, float[]> before = Snapshots.of(lora.model());

            String e = assertThrows(FrostException.class, () -> lora.load(dir.resolve("wider"))).getMessage();
            assertTrue(e.contains("'base_model.model.fc2.lora_A.weight' has shape (2, 20)"), e);
            e = assertThrows(FrostException.class, () -> lora.load(dir.resolve("more"))).getMessage();
            assertTrue(e.contains("'base_model.model.fc1.lora_") && e.contains("does not adapt"), e);

            copy(dir.resolve("ok"), dir.resolve("ia3"));
            edit(dir.resolve("ia3"), c -> c.put("peft_type", "IA3"));
            e = assertThrows(FrostException.class, () -> lora.load(dir.resolve("ia3"))).getMessage();
            assertTrue(e.contains("'peft_type' is 'IA3'"), e);
            for (String key : List.of("r", "lora_alpha", "target_modules", "peft_type")) {
                Path d = dir.resolve("no-" + key);
                copy(dir.resolve("ok"), d);
                edit(d, c -> c.remove(key));
                e = assertThrows(FrostException.class, () -> lora.load(d)).getMessage();
                assertTrue(e.contains("lacks key '" + key + "'"), e);
            }
            copy(dir.resolve("ok"), dir.resolve("r4"));
            edit(dir.resolve("r4"), c -> c.put("r", 4));
            e = assertThrows(FrostException.class, () -> lora.load(dir.resolve("r4"))).getMessage();
            assertTrue(e.contains("key 'r' is 4"), e);
            copy(dir.resolve("ok"), dir.resolve("dora"));
            edit(dir.resolve("dora"), c -> c.put("use_dora", true));
            e = assertThrows(FrostException.class, () -> lora.load(dir.resolve("dora"))).getMessage();
            assertTrue(e.contains("'use_dora'"), e);
            assertTrue(Snapshots.changed(before, Snapshots.of(lora.model())).isEmpty(), "failed loads copy nothing");
            lora.load(dir.resolve("ok"));
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }
}
