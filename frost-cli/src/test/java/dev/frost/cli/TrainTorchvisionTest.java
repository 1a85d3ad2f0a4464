package dev.frost.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;
import dev.frost.vision.TorchvisionResNet;
import dev.frost.vision.TorchvisionWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost train with a torchvision ResNet-18 state dict as the pretrained base (written here by Frost). */
class TrainTorchvisionTest {
    private static String config(Path train, Path run, Path weights, String strategy) {
        return "run: {dir: " + run + "}\n"
                + "data: {type: images, train: " + train + ", split: {valid: 0.25},"
                + " images: {height: 32, width: 32, channels: 3, mean: [0.485, 0.456, 0.406],"
                + " std: [0.229, 0.224, 0.225]}}\n"
                + "model: {type: pretrained, base: {type: torchvision-resnet18, weights: " + weights
                + ", classes: 10}, cut_after: avgpool, head: {hidden: []}}\n"
                + "strategy: " + strategy + "\n"
                + "trainer: {epochs: 1, batch_size: 8, lr: 0.01, progress_bar: false}\n";
    }

    @Test
    void resnet18StateDictAsBaseThenFeatureExtraction(@TempDir Path dir) throws Exception {
        Path train = TrainImagesTest.shapes(dir.resolve("train"), 8, 1);
        Path weights = dir.resolve("resnet18.safetensors");
        try (FrostModel r18 = TorchvisionResNet.build(TorchvisionResNet.Depth.RESNET18, new Shape(3, 32, 32), 10,
                7)) {
            TorchvisionWeights.save(r18, weights);
        }
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run("train", Files.writeString(dir.resolve("tv.yaml"),
                config(train, run, weights, "{type: feature-extraction}")).toString());
        System.out.printf("torchvision resnet18 base, feature extraction: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err() + r.out());

        // the frozen base holds the file's weights and BatchNorm statistics; the new head was trained
        Map<String, SafeTensors.Tensor> file = SafeTensors.parse(Files.readAllBytes(weights), "file");
        Path saved;
        try (Stream<Path> s = Files.walk(run.resolve("checkpoints"))) {
            saved = s.filter(p -> p.getFileName().toString().equals("model.safetensors")).findFirst().orElseThrow();
        }
        Map<String, SafeTensors.Tensor> ckpt = SafeTensors.parse(Files.readAllBytes(saved), "checkpoint");
        assertArrayEquals(file.get("layer1.0.conv1.weight").data(), ckpt.get("layer1.0.conv1.weight").data());
        assertArrayEquals(file.get("layer4.1.bn2.running_var").data(), ckpt.get("layer4.1.bn2.runningVar").data());
        assertFalse(ckpt.containsKey("fc.weight"), "the base was cut after avgpool: " + ckpt.keySet());
        assertTrue(ckpt.containsKey("head_out.weight"), ckpt.keySet().toString());
        String summary = Files.readString(run.resolve("report.html"));
        assertTrue(summary.contains("layer4") && summary.contains("avgpool"), "the summary lists the stages");

        // evaluate rebuilds the architecture without the file and loads the run's checkpoint
        r = CliRunner.run("evaluate", run.toString(), "--data", train.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy="), r.out());
    }

    @Test
    void aStateDictOfOtherNamesListsMissingAndUnexpected(@TempDir Path dir) throws Exception {
        Path train = TrainImagesTest.shapes(dir.resolve("train"), 4, 1);
        Path weights = dir.resolve("wrapped.safetensors");
        try (FrostModel r18 = TorchvisionResNet.build(TorchvisionResNet.Depth.RESNET18, new Shape(3, 32, 32), 10,
                7)) {
            // as nn.DataParallel saves it: every name under "module."
            Map<String, NDArray> named = new LinkedHashMap<>();
            r18.stateTensors().forEach((k, p) -> named.put("module." + TorchvisionResNet.torchvisionName(k),
                    p.getArray()));
            Files.write(weights, SafeTensors.encodeFloat32(named, Map.of()));
        }
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", Files.writeString(dir.resolve("tv.yaml"),
                config(train, run, weights, "{type: full}")).toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String e : List.of("model.base.weights: " + weights + " does not fit the model: missing 102 [",
                "bn1.bias, bn1.running_mean", ", unexpected 102 [module.conv1.weight, module.bn1.weight,")) {
            assertTrue(r.err().contains(e), "expected '" + e + "' in: " + r.err());
        }
        assertFalse(Files.exists(run), "no run folder");

        Path gray = dir.resolve("gray.yaml");
        r = CliRunner.run("train", Files.writeString(gray, config(train, run, weights, "{type: full}")
                .replace("channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]", "channels: 1"))
                .toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("data.images.channels: 3"), r.err());

        r = CliRunner.run("train", Files.writeString(dir.resolve("both.yaml"), config(train, run, weights,
                "{type: full}").replace("classes: 10}", "classes: 10, checkpoint: " + dir + "}")).toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("model.base.checkpoint is for Frost checkpoints"), r.err());
    }
}
