package dev.frost.text.bert;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.HostBatch;
import dev.frost.freeze.optim.AdamW;
import dev.frost.lora.LoraConfig;
import dev.frost.lora.LoraModel;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA on the BERT layers' query and value projections, named as PEFT names them on the Hugging Face model. */
class BertLoraTest {
    @Test
    void peftsClassicTargetsAdaptQueryAndValueUnderHuggingFaceNames(@TempDir Path dir) throws Exception {
        Bert.Config c = new Bert.Config(50, 16, 2, 8, 2, 16, 2);
        int seq = 8;
        int n = 16;
        float[] ids = new float[n * seq];
        float[] mask = new float[n * seq];
        int[] y = new int[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(2);
            for (int j = 0; j < seq; j++) {
                ids[i * seq + j] = 1 + r.nextInt(49);
                mask[i * seq + j] = j < 5 ? 1 : 0;
            }
        }
        Shape s = new Shape(seq);
        ArrayDataset data = new ArrayDataset("lora-bert", ids, y, s, 2)
                .withSideInput(Bert.ATTENTION_MASK, s, mask).withSideInput(Bert.TOKEN_TYPE_IDS, s, new float[n * seq]);
        try (FrostModel base = Bert.classifier(c, seq, 2, 1)) {
            float[] before;
            try (NDManager m = base.manager().newSubManager()) {
                var b = HostBatch.read(data, data.naturalOrder(), null, 0).toEngine(m);
                before = base.predict(b.features(), b.sideInputs()).toFloatArray();
            }
            LoraConfig cfg = LoraConfig.builder().r(2).alpha(4).targetModules("query", "value")
                    .modulesToSave("classifier").build();
            try (LoraModel lora = LoraModel.apply(base, cfg, Bert::huggingFaceName); AdamW opt = new AdamW()) {
                FrostModel m = lora.model();
                assertEquals(Set.of("layer0.attention.self.query", "layer0.attention.self.value",
                        "layer1.attention.self.query", "layer1.attention.self.value"), lora.adapters().keySet());
                try (NDManager mm = m.manager().newSubManager()) {
                    var b = HostBatch.read(data, data.naturalOrder(), null, 0).toEngine(mm);
                    assertArrayEquals(before, m.predict(b.features(), b.sideInputs()).toFloatArray(),
                            "B starts at zero: the adapted model equals the base");
                }
                Map<String, float[]> start = Snapshots.of(m);
                new Trainer(m, opt, TrainConfig.builder().setEpochs(2).optBatchSize(8).optLearningRate(1e-2)
                        .optProgressBar(false).build()).fit(data, null);
                for (String k : Snapshots.changed(start, Snapshots.of(m))) {
                    assertTrue(k.contains(".lora_A.") || k.contains(".lora_B.") || k.startsWith("classifier."),
                            "only adapters and the head train, but " + k + " changed");
                }
                lora.save(dir);
                String header = new String(Files.readAllBytes(dir.resolve("adapter_model.safetensors")),
                        StandardCharsets.UTF_8);
                assertTrue(header.contains("base_model.model.encoder.layer.1.attention.self.value.lora_B.weight"),
                        "PEFT's name for the Hugging Face module");
            }
        }
    }
}
