package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Hugging Face BERT config is read strictly, and its weights load as transformers writes them. */
class BertImportTest {
    private static final String CONFIG = "{\"model_type\": \"bert\", \"hidden_act\": \"gelu\", \"vocab_size\": 50,"
            + " \"max_position_embeddings\": 16, \"type_vocab_size\": 2, \"hidden_size\": 8, \"num_attention_heads\": 2,"
            + " \"intermediate_size\": 16, \"num_hidden_layers\": 2, \"layer_norm_eps\": 1e-12,"
            + " \"position_embedding_type\": \"absolute\"}";

    private static Path config(Path dir, String from, String to) throws Exception {
        return Files.writeString(dir.resolve("config.json"), CONFIG.replace(from, to));
    }

    private static String refused(Path dir, String from, String to) throws Exception {
        Path c = config(dir, from, to);
        return assertThrows(FrostException.class, () -> BertImport.readConfig(c)).getMessage();
    }

    @Test
    void whatFrostDoesNotComputeIsRefusedNotIgnored(@TempDir Path dir) throws Exception {
        Bert.Config c = BertImport.readConfig(config(dir, "", ""));
        assertEquals(8, c.dim());
        assertTrue(refused(dir, "\"model_type\": \"bert\"", "\"model_type\": \"roberta\"")
                .contains("model_type \"roberta\" is not supported"));
        assertTrue(refused(dir, "\"gelu\"", "\"relu\"").contains("hidden_act \"relu\" is not supported"));
        assertTrue(refused(dir, "\"absolute\"", "\"relative_key\"").contains("position_embedding_type"));
        assertTrue(refused(dir, "1e-12", "\"abc\"").contains("layer_norm_eps must be a positive number"));
        assertTrue(refused(dir, "\"hidden_size\": 8", "\"hidden_size\": 8.5").contains("'hidden_size'"));
        assertTrue(refused(dir, "\"num_attention_heads\": 2", "\"num_attention_heads\": 3")
                .contains("num_attention_heads 3 does not divide hidden_size 8"));
        assertTrue(refused(dir, "\"type_vocab_size\": 2", "\"type_vocab_size\": 0").contains("'type_vocab_size'"));
        assertTrue(assertThrows(FrostException.class, () -> BertImport.readConfig(dir.resolve("nope.json")))
                .getMessage().contains("does not exist"));
    }

    @Test
    void weightsWithOldTransformersPositionIdsLoad(@TempDir Path dir) throws Exception {
        Bert.Config c = BertImport.readConfig(config(dir, "", ""));
        try (FrostModel source = Bert.classifier(c, 8, 2, 1); FrostModel target = Bert.classifier(c, 8, 2, 2);
             NDManager nd = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            source.stateTensors().forEach((k, p) -> {
                if (!k.startsWith("head.") && !k.startsWith("classifier.")) {
                    tensors.put("bert." + Bert.huggingFaceName(k), p.getArray());
                }
            });
            tensors.put("bert.embeddings.position_ids", nd.arange(16L).reshape(new Shape(1, 16))
                    .toType(DataType.INT64, false));
            Path weights = Files.write(dir.resolve("model.safetensors"), SafeTensors.encode(tensors));
            BertImport.load(target, weights);
            source.stateTensors().forEach((k, p) -> {
                if (tensors.containsKey("bert." + Bert.huggingFaceName(k))) {
                    assertArrayEquals(p.getArray().toFloatArray(), target.stateTensors().get(k).getArray()
                            .toFloatArray(), k);
                }
            });
        }
    }
}
