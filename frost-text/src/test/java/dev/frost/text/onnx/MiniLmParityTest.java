package dev.frost.text.onnx;

import dev.frost.text.bert.Bert;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.engine.Autograd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.text.TextDatasets;
import dev.frost.text.WordPieceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real MiniLM in Frost against ONNX Runtime running the same ONNX file. */
class MiniLmParityTest {
    private static OnnxGraph graph;

    @BeforeAll
    static void read() {
        graph = MiniLm.readBundled();
    }

    @Test
    void everyTensorIsMappedExactlyOnceWithItsShape() {
        Map<String, WeightImport.Target> map = MiniLm.nameMap(graph);
        assertEquals(graph.initializers().size(), map.size(), "every float initializer has a place");
        assertEquals(map.size(), map.values().stream().map(WeightImport.Target::frostName).distinct().count(),
                "no Frost tensor is filled twice");
        assertEquals(36, map.values().stream().filter(WeightImport.Target::transpose).count());
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, 16, 2, 1)) {
            long copied = MiniLm.loadPretrained(m, graph);
            long total = graph.initializers().values().stream().mapToLong(OnnxGraph.Tensor::size).sum();
            assertEquals(22_565_376L, total);
            assertEquals(total, copied);
        }
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        int seq = 24;
        List<String> sentences = List.of("Frost freezes layers to train faster.",
                "The quick brown fox jumps over the lazy dog!", "Free money!!! Click now to claim your prize");
        WordPieceTokenizer tok = MiniLm.tokenizer();
        ArrayDataset data = TextDatasets.encode("s", sentences, new int[sentences.size()], 2, tok, seq);
        int n = sentences.size();
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        long[] types = new long[n * seq];
        for (int i = 0; i < n; i++) {
            float[] ex = data.example(i);
            float[] m = new float[seq];
            data.readSideInput(Bert.ATTENTION_MASK, i, m, 0);
            for (int j = 0; j < seq; j++) {
                ids[i * seq + j] = (long) ex[j];
                mask[i * seq + j] = (long) m[j];
                // a second segment from the middle on, so that token types are exercised too
                types[i * seq + j] = j >= seq / 2 && m[j] > 0 ? 1 : 0;
            }
        }
        float[] expected;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] onnx;
        try (InputStream in = getClass().getResourceAsStream(MiniLm.ONNX_RESOURCE)) {
            onnx = in.readAllBytes();
        }
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
            long[] shape = {n, seq};
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            try (OrtSession.Result r = session.run(inputs)) {
                FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                expected = new float[fb.remaining()];
                fb.get(expected);
            }
            inputs.values().forEach(OnnxTensor::close);
        }
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, seq, 2, 1);
             NDManager mgr = m.manager().newSubManager()) {
            MiniLm.loadPretrained(m, graph);
            var batch = dev.frost.data.HostBatch.read(data, data.naturalOrder(), null, 0).toEngine(mgr);
            Map<String, NDArray> side = new HashMap<>(batch.sideInputs());
            float[] t = new float[types.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = types[i];
            }
            side.put(Bert.TOKEN_TYPE_IDS, mgr.create(t, new ai.djl.ndarray.types.Shape(n, seq)));
            float[] got = Autograd.withoutRecording(() -> m.forward(batch.features(), side, false, 0, 7))
                    .toFloatArray();
            assertEquals(expected.length, got.length);
            double maxErr = 0;
            for (int i = 0; i < got.length; i++) {
                maxErr = Math.max(maxErr, Math.abs(got[i] - expected[i]));
            }
            System.out.println("MiniLM parity with ONNX Runtime: max abs error " + maxErr);
            assertTrue(maxErr <= 1e-4, "max abs error " + maxErr);
        }
    }

    @Test
    void aMismatchedWeightIsRefusedByName() {
        Map<String, OnnxGraph.Tensor> tampered = new HashMap<>(graph.initializers());
        OnnxGraph.Tensor ln = tampered.get("encoder.layer.3.output.LayerNorm.bias");
        tampered.put(ln.name(), new OnnxGraph.Tensor(ln.name(), new long[] {383}, new float[383]));
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, 8, 2, 1)) {
            FrostException e = assertThrows(FrostException.class, () -> WeightImport.load(m, tampered,
                    MiniLm.nameMap(graph), Set.of("embeddings")));
            assertTrue(e.getMessage().contains("encoder.layer.3.output.LayerNorm.bias")
                    && e.getMessage().contains("layer3.output.LayerNorm.bias"), e.getMessage());
            tampered.remove("embeddings.LayerNorm.weight");
            e = assertThrows(FrostException.class, () -> WeightImport.load(m, tampered, MiniLm.nameMap(graph),
                    Set.of("embeddings")));
            assertTrue(e.getMessage().contains("lacks tensor 'embeddings.LayerNorm.weight'"), e.getMessage());
        }
    }
}
