package dev.frost.text.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;
import dev.frost.text.onnx.MiniLm;
import dev.frost.text.onnx.OnnxGraph;
import dev.frost.text.onnx.WeightImport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A BERT-family encoder brought by the user: a Hugging Face {@code config.json} for the sizes and the weights as a
 * {@code model.safetensors} written by {@code transformers} (names as {@code BertModel}'s, optionally under
 * {@code bert.}; the pooler and any classifier are not used) or a BERT ONNX export like the bundled MiniLM. The
 * classifier on top (mean pooling, a new linear head) is Frost's.
 */
public final class BertImport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BertImport() {}

    /**
     * The sizes in a Hugging Face BERT {@code config.json}. What Frost's BERT does not compute is refused rather than
     * ignored: another {@code model_type} (RoBERTa offsets its positions), a {@code hidden_act} other than
     * {@code gelu} (erf), a {@code position_embedding_type} other than {@code absolute}.
     */
    public static Bert.Config readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("BERT config " + file + (Files.exists(file) ? " is not a file" : " does not exist"));
        }
        JsonNode c;
        try {
            c = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new FrostException("cannot read BERT config " + file + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
        }
        if (c == null || !c.isObject()) {
            throw new FrostException("BERT config " + file + " is not a JSON object");
        }
        supported(c, "model_type", "bert", file, "Frost builds BERT encoders");
        supported(c, "hidden_act", "gelu", file, "Frost's BERT layers use the exact (erf) GELU");
        supported(c, "position_embedding_type", "absolute", file, "Frost's BERT embeddings are absolute positions");
        int hidden = intKey(c, "hidden_size", file);
        int heads = intKey(c, "num_attention_heads", file);
        if (hidden % heads != 0) {
            throw new FrostException("BERT config " + file + ": num_attention_heads " + heads + " does not divide"
                    + " hidden_size " + hidden);
        }
        float eps = 1e-12f;
        if (c.has("layer_norm_eps")) {
            JsonNode n = c.get("layer_norm_eps");
            if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble())) {
                throw new FrostException("BERT config " + file + ": layer_norm_eps must be a positive number, got "
                        + n);
            }
            eps = (float) n.asDouble();
        }
        int types = c.has("type_vocab_size") ? intKey(c, "type_vocab_size", file) : 2;
        return new Bert.Config(intKey(c, "vocab_size", file), intKey(c, "max_position_embeddings", file), types,
                hidden, heads, intKey(c, "intermediate_size", file), intKey(c, "num_hidden_layers", file), eps);
    }

    private static void supported(JsonNode c, String key, String value, Path file, String why) {
        JsonNode n = c.get(key);
        if (n != null && !n.isNull() && !value.equals(n.asText())) {
            throw new FrostException("BERT config " + file + ": " + key + " " + n + " is not supported (" + why
                    + "; " + key + " must be \"" + value + "\")");
        }
    }

    private static int intKey(JsonNode c, String key, Path file) {
        JsonNode n = c.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new FrostException("BERT config " + file + " has no positive integer '" + key + "'"
                    + (n == null ? "" : " (it has " + n + ")"));
        }
        return n.asInt();
    }

    /** The classifier for {@code seqLen} tokens and {@code classes} classes, its encoder loaded from {@code weights}. */
    public static FrostModel classifier(Path weights, Path config, int seqLen, int classes, long seed) {
        Bert.Config c = readConfig(config);
        FrostModel m = Bert.classifier(c, seqLen, classes, seed);
        try {
            load(m, weights);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Loads an encoder's weights into a BERT classifier; nothing changes when any tensor does not fit. */
    public static void load(FrostModel model, Path weights) {
        Set<String> fill = model.layers().stream().map(l -> l.name())
                .filter(n -> n.equals("embeddings") || n.matches("layer\\d+")).collect(Collectors.toSet());
        if (weights.toString().endsWith(".onnx")) {
            OnnxGraph graph;
            try {
                graph = OnnxGraph.read(Files.readAllBytes(weights), weights.toString());
            } catch (IOException e) {
                throw new FrostException("cannot read " + weights + ": " + e.getMessage(), e);
            }
            Map<String, WeightImport.Target> map = new LinkedHashMap<>();
            MiniLm.nameMap(graph).forEach((name, target) -> { // as for safetensors: no prefix, no pooler
                String frost = target.frostName().startsWith("bert.")
                        ? Bert.frostName(target.frostName().substring(5)) : target.frostName();
                if (!unused(frost)) {
                    map.put(name, new WeightImport.Target(frost, target.transpose()));
                }
            });
            WeightImport.load(model, graph.initializers(), map, fill);
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(weights);
        } catch (IOException e) {
            throw new FrostException("cannot read " + weights + ": " + e.getMessage(), e);
        }
        Map<String, OnnxGraph.Tensor> source = new LinkedHashMap<>();
        Map<String, WeightImport.Target> map = new LinkedHashMap<>();
        // position_ids (int64, saved by older transformers) is not a weight: skipped before its dtype is read
        for (SafeTensors.Tensor t : SafeTensors.parse(bytes, weights.toString(), n -> n.endsWith("position_ids"))
                .values()) {
            String name = t.name().startsWith("bert.") ? t.name().substring(5) : t.name();
            if (unused(name)) {
                continue;
            }
            source.put(t.name(), new OnnxGraph.Tensor(t.name(), t.shape(), t.data()));
            map.put(t.name(), new WeightImport.Target(Bert.frostName(name), false));
        }
        Set<String> expected = new TreeSet<>();
        model.stateTensors().keySet().stream().filter(k -> fill.contains(k.substring(0, k.indexOf('.'))))
                .forEach(expected::add);
        Set<String> given = map.values().stream().map(WeightImport.Target::frostName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(given);
        Set<String> unexpected = new TreeSet<>(given);
        unexpected.removeAll(expected);
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new FrostException(weights + " does not fit the BERT model: missing " + clip(missing)
                    + ", unexpected " + clip(unexpected));
        }
        WeightImport.load(model, source, map, fill);
    }

    /** Tensors of a BERT checkpoint that are not part of the encoder Frost builds. */
    private static boolean unused(String name) {
        return name.startsWith("pooler.") || name.startsWith("classifier.") || name.startsWith("cls.")
                || name.endsWith("position_ids");
    }

    private static String clip(Set<String> names) {
        String s = names.stream().limit(4).map(n -> Bert.huggingFaceName(n)).collect(Collectors.joining(", ", "[",
                names.size() > 4 ? ", ... (" + names.size() + " in all)]" : "]"));
        return s;
    }
}
