package dev.frost.cli.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.io.Checkpoints;
import dev.frost.io.ClasspathCheckpoints;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.lora.LoraModel;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.transfer.TransferLearning;
import dev.frost.vision.TorchvisionResNet;
import dev.frost.vision.TorchvisionWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the config's model for the data's input shape and label width; errors name the {@code model.*} key. */
public final class ModelFactory {
    private static final String TORCHVISION = "torchvision-";
    private static final String CLASSPATH = "classpath:";

    private ModelFactory() {}

    /**
     * The model; with {@code loadBase}, a pretrained base's weights are read from its checkpoint (a run's own
     * checkpoints overwrite every tensor, so evaluate/predict/resume skip that read).
     */
    public static FrostModel build(RunSpec spec, Shape input, int outputs, boolean loadBase, Scaling scaling) {
        return buildAdapted(spec, input, outputs, loadBase, scaling).model();
    }

    /** The run's model and, for {@code strategy: lora}, its LoRA view (PEFT files, merge); else {@code lora} is null. */
    public record Built(FrostModel model, LoraModel lora) {}

    /** As {@link #build}, keeping the LoRA view that export needs. */
    public static Built buildAdapted(RunSpec spec, Shape input, int outputs, boolean loadBase, Scaling scaling) {
        FrostModel model = buildBase(spec, input, outputs, loadBase, scaling);
        if (!RunAdapters.isLora(spec)) {
            return new Built(model, null);
        }
        LoraModel lora = RunAdapters.apply(spec, model);
        return new Built(lora.model(), lora);
    }

    /**
     * The model without LoRA adapters (strategy lora adds them in {@link #build}); {@code scaling} (or null) is the
     * run's standardization of CSV columns, built into an MLP.
     */
    private static FrostModel buildBase(RunSpec spec, Shape input, int outputs, boolean loadBase, Scaling scaling) {
        RunSpec.Model m = spec.model();
        long seed = spec.run().seed();
        if ("minilm".equals(m.type())) {
            return miniLm(input, outputs, seed, loadBase, dropout(m));
        }
        if ("bert".equals(m.type())) {
            return bert(m.bert(), spec.data().text(), input, outputs, seed, loadBase, dropout(m));
        }
        if (scaling != null && !"mlp".equals(m.type())) {
            throw new FrostException("data.csv.standardize builds its scaling into an MLP: it needs model.type mlp,"
                    + " the model is " + m.type());
        }
        if (!"pretrained".equals(m.type())) {
            return builtIn("model", m.type(), input, m.hidden(), m.channels(), m.blocksPerStage(), outputs, seed,
                    scaling);
        }
        RunSpec.Base b = m.base();
        if (b.classes() == null || b.classes() < 1) {
            throw new FrostException("model.base.classes must be the base's output width (>= 1)");
        }
        boolean torchvision = b.type().startsWith(TORCHVISION);
        // each kind of base reads its own key: a key of the other kind is a mistake, not something to ignore
        if (torchvision ? b.checkpoint() != null : b.weights() != null) {
            throw new FrostException(torchvision ? "model.base.checkpoint is for Frost checkpoints (mlp, cnn, resnet);"
                    + " a " + b.type() + " base reads its state dict from model.base.weights"
                    : "model.base.weights is for torchvision-* bases; a " + b.type() + " base reads"
                    + " model.base.checkpoint");
        }
        FrostModel base = torchvision ? torchvision(b, input, seed, loadBase)
                : builtIn("model.base", b.type(), input, b.hidden(), b.channels(), b.blocksPerStage(), b.classes(),
                        seed, null);
        if (loadBase && !torchvision) {
            if (b.checkpoint() == null) {
                throw new FrostException("model.base.checkpoint is required for model.type pretrained");
            }
            try {
                loadCheckpoint(b.checkpoint(), base);
            } catch (FrostException e) {
                base.close();
                throw e;
            }
        }
        List<Layer> head = new ArrayList<>();
        for (int i = 0; i < m.head().hidden().size(); i++) {
            head.add(Layers.linear("head_fc" + (i + 1), positive("model.head.hidden", m.head().hidden().get(i))));
            head.add(Layers.relu("head_relu" + (i + 1)));
        }
        if (m.head().batchNorm()) {
            head.add(Layers.batchNorm("head_bn"));
        }
        head.add(Layers.linear("head_out", outputs));
        try {
            return TransferLearning.from(base).cutAfterLayer(m.cutAfter()).addHead("head", head.toArray(Layer[]::new))
                    .optSeed(seed).build();
        } catch (FrostException e) {
            throw new FrostException("model.cut_after '" + m.cutAfter() + "': " + e.getMessage(), e);
        }
    }

    /**
     * A Frost checkpoint folder, or {@code classpath:/resource/folder} (e.g. the embedded Fashion-MNIST base,
     * {@code classpath:/frost/base/fashion-cnn}), so an example config needs no file outside the repository.
     */
    private static void loadCheckpoint(String where, FrostModel base) {
        boolean classpath = where.startsWith(CLASSPATH);
        if (!classpath && !Files.isDirectory(Path.of(where))) {
            throw new FrostException("model.base.checkpoint " + where + " is not a folder");
        }
        try {
            if (classpath) {
                String res = where.substring(CLASSPATH.length());
                ClasspathCheckpoints.loadModel(ModelFactory.class, res.startsWith("/") ? res : "/" + res, base);
            } else {
                Checkpoints.loadModel(Path.of(where), base);
            }
        } catch (FrostException e) {
            throw new FrostException("model.base.checkpoint: " + e.getMessage()
                    + (e.getMessage().contains("not on the classpath") ? ""
                    : " (is model.base the architecture that wrote it?)"), e);
        }
    }

    /** torchvision's ResNet of {@code model.base.type}, with its state dict from {@code model.base.weights}. */
    private static FrostModel torchvision(RunSpec.Base b, Shape input, long seed, boolean loadWeights) {
        TorchvisionResNet.Depth depth;
        try {
            depth = TorchvisionResNet.Depth.of(b.type().substring(TORCHVISION.length()));
        } catch (FrostException e) {
            throw new FrostException("model.base.type: unknown base '" + b.type() + "' (use mlp, cnn, resnet,"
                    + " torchvision-resnet18, torchvision-resnet34 or torchvision-resnet50)", e);
        }
        if (input.dimension() != 3 || input.get(0) != 3) {
            throw new FrostException("model.base.type " + b.type() + " needs RGB images (data.type images with"
                    + " data.images.channels: 3), the data has examples of shape " + input);
        }
        if (loadWeights && b.weights() == null) {
            throw new FrostException("model.base.weights is required for model.base.type " + b.type()
                    + " (the state_dict as safetensors)");
        }
        FrostModel m = TorchvisionResNet.build(depth, input, b.classes(), seed);
        if (loadWeights) {
            try {
                TorchvisionWeights.load(m, Path.of(b.weights()));
            } catch (FrostException e) {
                m.close();
                throw new FrostException("model.base.weights: " + e.getMessage() + (e.getMessage().contains("fc.")
                        ? " (is model.base.classes the file's class count?)" : ""), e);
            }
        }
        return m;
    }

    /** The real all-MiniLM-L6-v2 encoder (groups embeddings, layer0..layer5, head) for token ids of {@code input}. */
    /** model.dropout: Hugging Face's hidden and attention dropout for minilm and bert (0: off). */
    private static float dropout(RunSpec.Model m) {
        double p = m.dropout() == null ? 0 : m.dropout();
        if (!(p >= 0 && p < 1)) {
            throw new FrostException("model.dropout must be in [0, 1), got " + m.dropout());
        }
        return (float) p;
    }

    private static FrostModel miniLm(Shape input, int outputs, long seed, boolean loadWeights, float dropout) {
        if (input.dimension() != 1) {
            throw new FrostException("model.type minilm needs token sequences (data.type text), the data has "
                    + "examples of shape " + input);
        }
        FrostModel m = dev.frost.text.bert.Bert.classifier(dev.frost.text.bert.Bert.Config.MINILM_L6
                .withDropout(dropout, dropout), (int) input.get(0), outputs, seed);
        if (loadWeights) {
            try {
                dev.frost.text.onnx.MiniLm.loadPretrained(m, dev.frost.text.onnx.MiniLm.readBundled());
            } catch (FrostException e) {
                m.close();
                throw e;
            }
        }
        return m;
    }

    /** A BERT-family encoder from Hugging Face files (config.json + safetensors or ONNX). */
    private static FrostModel bert(RunSpec.BertFiles f, RunSpec.Text text, Shape input, int outputs, long seed,
                                   boolean loadWeights, float dropout) {
        if (input.dimension() != 1) {
            throw new FrostException("model.type bert needs token sequences (data.type text), the data has "
                    + "examples of shape " + input);
        }
        if (f == null || f.config() == null || f.weights() == null) {
            throw new FrostException("model.bert.config and model.bert.weights are required for model.type bert");
        }
        dev.frost.text.bert.Bert.Config c;
        try {
            c = dev.frost.text.bert.BertImport.readConfig(Path.of(f.config()));
        } catch (FrostException e) {
            throw new FrostException("model.bert.config: " + e.getMessage(), e);
        }
        if (input.get(0) > c.maxPositions()) {
            throw new FrostException("data.text.seq_len " + input.get(0) + " is longer than model.bert.config's"
                    + " max_position_embeddings " + c.maxPositions());
        }
        if (text != null && text.tokenizer() != null && !"minilm".equals(text.tokenizer())) {
            int tokens = dev.frost.text.WordPieceTokenizer.fromFile(Path.of(text.tokenizer())).vocabularySize();
            if (tokens > c.vocabulary()) { // ids past the embedding table would fail in the middle of a run
                throw new FrostException("data.text.tokenizer has " + tokens + " tokens but model.bert.config's"
                        + " vocab_size is " + c.vocabulary() + ": they are not the same model's");
            }
        }
        FrostModel m = dev.frost.text.bert.Bert.classifier(c.withDropout(dropout, dropout), (int) input.get(0),
                outputs, seed);
        if (loadWeights) {
            try {
                dev.frost.text.bert.BertImport.load(m, Path.of(f.weights()));
            } catch (FrostException e) {
                m.close();
                throw new FrostException("model.bert.weights: " + e.getMessage(), e);
            }
        }
        return m;
    }

    private static FrostModel builtIn(String key, String type, Shape input, List<Integer> hidden,
                                      List<Integer> channels, Integer blocks, int outputs, long seed,
                                      Scaling scaling) {
        switch (type) {
            case "mlp" -> {
                if (input.dimension() != 1) {
                    throw new FrostException(key + ".type mlp needs flat examples (data.type csv), the data has "
                            + input + ": use cnn or resnet for images");
                }
                return scaling == null ? Models.mlp((int) input.get(0), ints(key + ".hidden", hidden), outputs, seed)
                        : Models.mlp((int) input.get(0), ints(key + ".hidden", hidden), outputs, seed,
                        scaling.inputLayer(), scaling.outputLayer());
            }
            case "cnn", "resnet" -> {
                if (input.dimension() != 3) {
                    throw new FrostException(key + ".type " + type + " needs images (channels x height x width),"
                            + " the data has " + input + ": use mlp for tabular data");
                }
                int[] ch = ints(key + ".channels", channels);
                if (ch.length == 0) {
                    throw new FrostException(key + ".channels must list at least one size");
                }
                return type.equals("cnn") ? Models.cnn(input, ch, outputs, seed)
                        : Models.resnet(input, ch, positive(key + ".blocks_per_stage", blocks), outputs, seed);
            }
            default -> throw new FrostException(key + ".type: unknown model '" + type + "' (use mlp, cnn, resnet"
                    + (key.equals("model") ? ", pretrained, minilm or bert)" : ", torchvision-resnet18|34|50)"));
        }
    }

    private static int[] ints(String key, List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = positive(key, l.get(i));
        }
        return a;
    }

    private static int positive(String key, Integer v) {
        if (v == null || v < 1) {
            throw new FrostException(key + " values must be >= 1, got " + v);
        }
        return v;
    }
}
