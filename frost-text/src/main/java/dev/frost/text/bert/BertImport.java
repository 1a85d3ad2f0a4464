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

    /** The sizes in a Hugging Face BERT {@code config.json}. */
    public static Bert.Config readConfig(Path file) {
        JsonNode c;
        try {
            c = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new FrostException("cannot read BERT config " + file + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
        }
        return new Bert.Config(intKey(c, "vocab_size", file), intKey(c, "max_position_embeddings", file),
                c.path("type_vocab_size").asInt(2), intKey(c, "hidden_size", file),
                intKey(c, "num_attention_heads", file), intKey(c, "intermediate_size", file),
                intKey(c, "num_hidden_layers", file), (float) c.path("layer_norm_eps").asDouble(1e-12));
    }

    private static int intKey(JsonNode c, String key, Path file) {
        JsonNode n = c == null ? null : c.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new FrostException("BERT config " + file + " has no positive integer '" + key + "'");
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
            WeightImport.load(model, graph.initializers(), MiniLm.nameMap(graph), fill);
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
        for (SafeTensors.Tensor t : SafeTensors.parse(bytes, weights.toString()).values()) {
            String name = t.name().startsWith("bert.") ? t.name().substring(5) : t.name();
            if (name.startsWith("pooler.") || name.startsWith("classifier.") || name.startsWith("cls.")
                    || name.endsWith("position_ids")) {
                continue; // not part of the encoder Frost builds
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

    private static String clip(Set<String> names) {
        String s = names.stream().limit(4).map(n -> Bert.huggingFaceName(n)).collect(Collectors.joining(", ", "[",
                names.size() > 4 ? ", ... (" + names.size() + " in all)]" : "]"));
        return s;
    }
}
