package dev.frost.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.engine.FrostEngine;
import dev.frost.io.SafeTensors;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.transfer.TransferLearning;
import dev.frost.vision.TorchvisionResNet.Depth;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forward parity with torchvision: Debian's python3-torchvision writes a ResNet with random weights (BatchNorm
 * statistics randomized too), an input and its output; Frost builds the same architecture, loads the state dict and
 * must agree within 1e-4 of the output's scale. Skipped where /usr/bin/python3 has no torch and torchvision.
 */
class TorchvisionResNetTest {
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void resnet18MatchesTorchvision(@TempDir Path dir) throws Exception {
        parity(Depth.RESNET18, dir);
    }

    @Test
    void resnet34MatchesTorchvision(@TempDir Path dir) throws Exception {
        parity(Depth.RESNET34, dir);
    }

    @Test
    void resnet50MatchesTorchvision(@TempDir Path dir) throws Exception {
        parity(Depth.RESNET50, dir);
    }

    private static void parity(Depth depth, Path dir) throws Exception {
        assumeTorchvision();
        Path script = dir.resolve("resnet_parity.py");
        try (var in = TorchvisionResNetTest.class.getResourceAsStream("/torchvision/resnet_parity.py")) {
            Files.write(script, in.readAllBytes());
        }
        long t0 = System.nanoTime();
        String out = python(dir, script.toString(), depth.id(), dir.toString(), "0");
        long t1 = System.nanoTime();
        try (NDManager m = FrostEngine.newManager();
             FrostModel model = TorchvisionResNet.build(depth, new Shape(3, 64, 64), 1000, 1)) {
            TorchvisionWeights.load(model, dir.resolve("weights.safetensors"));
            Map<String, NDArray> io = SafeTensors.decode(m, Files.readAllBytes(dir.resolve("io.safetensors")),
                    "io.safetensors");
            float[] got = model.predict(io.get("input")).toFloatArray();
            float[] want = io.get("output").toFloatArray();
            assertEquals(want.length, got.length);
            double maxAbs = 0;
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            System.out.printf("torchvision %s parity: max abs error %.3g, output scale %.3g, relative %.3g"
                    + " (python %.1f s, frost %.1f s)%n", depth.id(), maxAbs, scale, maxAbs / scale,
                    (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
            assertTrue(scale > 0.1, "the reference output is not degenerate: scale " + scale + out);
            assertTrue(maxAbs <= 1e-4 * scale, depth.id() + ": max abs error " + maxAbs + " > 1e-4 x " + scale);
        }
    }

    @Test
    void aNameMismatchListsMissingAndUnexpectedAndChangesNothing(@TempDir Path dir) throws Exception {
        try (FrostModel source = TorchvisionResNet.build(Depth.RESNET18, new Shape(3, 32, 32), 10, 1);
             FrostModel target = TorchvisionResNet.build(Depth.RESNET18, new Shape(3, 32, 32), 10, 2)) {
            Path good = dir.resolve("good.safetensors");
            TorchvisionWeights.save(source, good);
            Map<String, SafeTensors.Tensor> tensors = SafeTensors.parse(Files.readAllBytes(good), "good");
            assertTrue(tensors.containsKey("layer2.0.downsample.1.running_var"), tensors.keySet().toString());
            assertTrue(tensors.containsKey("bn1.weight") && !tensors.containsKey("bn1.gamma"));
            assertEquals(target.stateTensors().size(), tensors.size());

            // a file of another model: a key renamed, one dropped
            Map<String, SafeTensors.Tensor> wrong = new LinkedHashMap<>(tensors);
            SafeTensors.Tensor moved = wrong.remove("layer1.0.conv1.weight");
            wrong.put("features.0.weight", new SafeTensors.Tensor("features.0.weight", "F32", moved.shape(),
                    moved.data()));
            wrong.remove("fc.bias");
            float[] before = target.stateTensors().get("conv1.weight").getArray().toFloatArray();
            FrostException e = assertThrows(FrostException.class,
                    () -> TorchvisionWeights.load(target, wrong, "wrong.safetensors"));
            assertEquals("wrong.safetensors does not fit the model: missing 2 [fc.bias, layer1.0.conv1.weight],"
                    + " unexpected 1 [features.0.weight] (names as torchvision's state_dict, e.g."
                    + " layer1.0.bn1.running_mean)", e.getMessage());
            assertArrayEquals(before, target.stateTensors().get("conv1.weight").getArray().toFloatArray(),
                    "nothing was copied");

            // a file for another class count: the shape is named
            Map<String, SafeTensors.Tensor> classes = new LinkedHashMap<>(tensors);
            classes.put("fc.bias", new SafeTensors.Tensor("fc.bias", "F32", new long[] {3}, new float[3]));
            e = assertThrows(FrostException.class, () -> TorchvisionWeights.load(target, classes, "c.safetensors"));
            assertTrue(e.getMessage().contains("wrong shape 1 [fc.bias [3] (model [10])]"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));

            // the saved file loads, and the two models then agree
            TorchvisionWeights.load(target, good);
            NDArray x = source.manager().randomNormal(new Shape(2, 3, 32, 32));
            assertArrayEquals(source.predict(x).toFloatArray(), target.predict(x).toFloatArray(), 0f);
        }
    }

    @Test
    void groupsAreTheStagesSoFreezeToWorksPerStage() {
        try (FrostModel m = TorchvisionResNet.build(Depth.RESNET50, new Shape(3, 32, 32), 10, 1)) {
            assertEquals(List.of("stem", "layer1", "layer2", "layer3", "layer4", "head"),
                    m.groups().stream().map(g -> g.name()).toList());
            // torchvision's resnet50 has 25,557,032 parameters for 1,000 classes; with 10: minus 990 x 2,049
            assertEquals(25_557_032L - 990L * 2049L, m.learnableParameters().values().stream()
                    .mapToLong(p -> p.getShape().size()).sum());
            m.freezeTo(3);
            assertTrue(m.group("layer2").isFrozen());
            assertFalse(m.group("layer3").isFrozen());
            assertEquals(new Shape(2048), m.layer("avgpool").outputShape());
        }
        assertThrows(FrostException.class, () -> Depth.of("resnet101"));
    }

    /** README's snippet, on small images: load, cut after avgpool, a new head, then layer4 unfrozen. */
    @Test
    void readmeSnippetCutsAfterAvgpoolAndAddsAHead(@TempDir Path dir) {
        Path file = dir.resolve("r50.safetensors");
        try (FrostModel source = TorchvisionResNet.build(Depth.RESNET50, new Shape(3, 32, 32), 1000, 3)) {
            TorchvisionWeights.save(source, file);
        }
        FrostModel r50 = TorchvisionResNet.build(Depth.RESNET50, new Shape(3, 32, 32), 1000, 42);
        TorchvisionWeights.load(r50, file);
        try (FrostModel pets = TransferLearning.from(r50).cutAfterLayer("avgpool")
                .addHead("new_head", Layers.linear("pets_fc", 37)).build()) {
            assertEquals(new Shape(37), pets.outputShape());
            assertTrue(pets.group("layer4").isFrozen() && !pets.group("new_head").isFrozen());
            pets.freezeTo(-3);
            assertEquals(List.of(true, true, true, true, false, false, false),
                    pets.groups().stream().map(g -> g.isFrozen()).toList());
        }
    }

    private static void assumeTorchvision() throws Exception {
        boolean ok = Files.isExecutable(Path.of(PYTHON));
        if (ok) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision").redirectErrorStream(true)
                    .start();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        Assumptions.assumeTrue(ok, "skipped: " + PYTHON + " lacks torch and torchvision (Debian: apt-get install"
                + " python3-torchvision)");
    }

    private static String python(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("python.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), "python failed: " + out);
        return out;
    }
}
