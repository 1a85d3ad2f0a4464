package dev.frost.cli;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.cli.train.RunModels;
import dev.frost.io.AtomicFiles;
import dev.frost.io.Checkpoints;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;
import dev.frost.text.bert.Bert;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code frost export RUN_DIR --out DIR}: the run's model as a Frost checkpoint with its architecture (the run's
 * resolved config), and, for a MiniLM/BERT model, as Hugging Face-named safetensors with a {@code config.json} that
 * {@code transformers} (BertModel) and DJL Serving read; the new head's tensors are {@code classifier.weight/bias}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a run's model: a Frost checkpoint, Hugging Face files for BERT-family models, PEFT adapter files for LoRA runs.")
final class ExportCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @picocli.CommandLine.Mixin
    RunArgs runArgs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must be empty).")
    Path out;

    @Override
    public void run() {
        CliChecks.writableFolder("--out", out);
        try (var files = Files.list(out)) {
            if (files.findAny().isPresent()) {
                throw new FrostException("--out " + out + " is not empty: export into a new folder");
            }
        } catch (IOException e) {
            throw new FrostException("--out " + out + ": " + e.getMessage(), e);
        }
        RunModels.Loaded r = runArgs.load();
        try (FrostModel m = r.model()) {
            Checkpoints.saveModel(out.resolve("frost"), m);
            try {
                Files.copy(runArgs.run.resolve("config.yaml"), out.resolve("frost").resolve("architecture.yaml"));
            } catch (IOException e) {
                throw new FrostException("cannot copy the run's config: " + e.getMessage(), e);
            }
            if (r.lora() != null) {
                r.lora().save(out.resolve("peft")); // before merging: PEFT keeps adapters apart from W
                r.lora().merge();
            }
            String type = r.spec().model().type();
            if ("minilm".equals(type) || "bert".equals(type)) {
                Bert.Config c = "minilm".equals(type) ? Bert.Config.MINILM_L6
                        : dev.frost.text.bert.BertImport.readConfig(Path.of(r.spec().model().bert().config()));
                exportHuggingFace(m, c, out.resolve("huggingface"));
                copyTokenizer(r.spec().data().text().tokenizer(), out.resolve("huggingface").resolve("tokenizer.json"));
            }
        }
        System.out.println("exported " + runArgs.run + " to " + out);
    }

    /** The tokenizer the run trained with, beside the weights, so the folder is a whole Hugging Face model. */
    private static void copyTokenizer(String tokenizer, Path to) {
        try (java.io.InputStream in = "minilm".equals(tokenizer)
                ? dev.frost.text.onnx.MiniLm.class.getResourceAsStream(dev.frost.text.onnx.MiniLm.TOKENIZER_RESOURCE)
                : Files.newInputStream(Path.of(tokenizer))) {
            if (in == null) {
                return; // the bundled tokenizer is not on the classpath: the weights alone are exported
            }
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new FrostException("cannot copy the tokenizer " + tokenizer + ": " + e.getMessage(), e);
        }
    }

    private static void exportHuggingFace(FrostModel m, Bert.Config c, Path dir) {
        Map<String, ai.djl.ndarray.NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.stateTensors().entrySet()) {
            if (e.getKey().contains(".lora_A.") || e.getKey().contains(".lora_B.")) {
                continue; // merged into base_layer.weight above: the plain BertModel layout remains
            }
            String key = e.getKey().replace(".base_layer.", ".");
            String name = key.startsWith("classifier.") ? key : Bert.huggingFaceName(key);
            tensors.put(name, e.getValue().getArray());
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", java.util.List.of("BertModel"));
        config.put("model_type", "bert");
        config.put("vocab_size", c.vocabulary());
        config.put("hidden_size", c.dim());
        config.put("num_hidden_layers", c.layers());
        config.put("num_attention_heads", c.heads());
        config.put("intermediate_size", c.ffn());
        config.put("hidden_act", "gelu");
        config.put("max_position_embeddings", c.maxPositions());
        config.put("type_vocab_size", c.typeVocabulary());
        config.put("layer_norm_eps", Double.parseDouble(Float.toString(c.layerNormEps()))); // 1e-12, not 9.99...E-13
        config.put("num_labels", m.outputShape().get(m.outputShape().dimension() - 1));
        config.put("frost_pooling", "mean over attention_mask, then classifier (Linear)");
        try {
            AtomicFiles.write(dir.resolve("model.safetensors"), SafeTensors.encodeFloat32(tensors,
                    Map.of("format", "pt")));
            AtomicFiles.write(dir.resolve("config.json"), JSON.writeValueAsBytes(config));
        } catch (IOException e) {
            throw new FrostException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }
}
