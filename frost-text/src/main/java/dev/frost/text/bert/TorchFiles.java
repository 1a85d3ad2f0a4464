package dev.frost.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.data.Dataset;
import dev.frost.engine.FrostEngine;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files through which a BERT classifier meets its PyTorch twin ({@code frost/text/minilm_torch.py}, the encoder
 * written out by hand): the weights under Hugging Face's names, a batch of token ids with its mask and token types,
 * and the script itself. The gradient-parity test and {@code frost bench minilm-step} use them.
 */
public final class TorchFiles {
    /** Name of the PyTorch module {@link #writeScript} writes. */
    public static final String SCRIPT = "minilm_torch.py";

    private TorchFiles() {}

    /** Every tensor of {@code m} under Hugging Face's names (the head's {@code classifier.*} as it is). */
    public static void writeWeights(FrostModel m, Path file) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.stateTensors().entrySet()) {
            String name = e.getKey().startsWith("classifier.") ? e.getKey() : Bert.huggingFaceName(e.getKey());
            tensors.put(name, e.getValue().getArray());
        }
        Files.write(file, SafeTensors.encodeFloat32(tensors, Map.of("format", "pt")));
    }

    /**
     * Examples {@code 0..n-1} of a tokenized dataset as {@code input_ids}, {@code attention_mask},
     * {@code token_type_ids} (n × seqLen) and {@code labels} (n), all float32.
     */
    public static void writeBatch(Dataset data, int n, Path file) throws IOException {
        if (n > data.size()) {
            throw new FrostException("a batch of " + n + " needs as many examples; '" + data.name() + "' has "
                    + data.size());
        }
        int seq = Math.toIntExact(data.exampleShape().size());
        float[] ids = new float[n * seq];
        float[] mask = new float[n * seq];
        float[] types = new float[n * seq];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            data.readFeatures(i, ids, i * seq);
            data.readSideInput(Bert.ATTENTION_MASK, i, mask, i * seq);
            data.readSideInput(Bert.TOKEN_TYPE_IDS, i, types, i * seq);
            data.readLabel(i, labels, i);
        }
        try (NDManager nd = FrostEngine.newManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("input_ids", nd.create(ids, new Shape(n, seq)));
            t.put(Bert.ATTENTION_MASK, nd.create(mask, new Shape(n, seq)));
            t.put(Bert.TOKEN_TYPE_IDS, nd.create(types, new Shape(n, seq)));
            t.put("labels", nd.create(labels, new Shape(n)));
            Files.write(file, SafeTensors.encodeFloat32(t, Map.of()));
        }
    }

    /** Writes {@link #SCRIPT} into {@code dir}; returns its path. */
    public static Path writeScript(Path dir) throws IOException {
        Path out = dir.resolve(SCRIPT);
        try (InputStream in = TorchFiles.class.getResourceAsStream("/frost/text/" + SCRIPT)) {
            Files.write(out, in.readAllBytes());
        }
        return out;
    }
}
