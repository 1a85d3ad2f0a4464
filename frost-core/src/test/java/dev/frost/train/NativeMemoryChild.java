package dev.frost.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM with a small fixed heap (so the heap cannot grow and hide or fake native growth): warms up,
 * then prints the resident memory added by 2,000 more steps and 200 more fits.
 */
public final class NativeMemoryChild {
    private NativeMemoryChild() {}

    public static void main(String[] args) throws Exception {
        ArrayDataset data = SyntheticData.classification("small", 64, new Shape(16), 4, 1);
        TrainConfig cfg = TrainConfig.builder().optBatchSize(8).optLearningRate(1e-2).optProgressBar(false).build();
        try (FrostModel m = Models.mlp(16, new int[] {32}, 4, 1); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, cfg);
            t.fit(data, null, 375); // 3,000 warm-up steps: the JIT and the allocators settle
            long before = rss();
            t.fit(data, null, 250); // 2,000 steps
            long afterSteps = rss();
            for (int i = 0; i < 200; i++) {
                try (Sgd sgd = new Sgd(0.9, false, 1e-4)) {
                    new Trainer(m, sgd, cfg).fit(data, data, 1);
                }
            }
            long afterFits = rss();
            System.out.println("steps " + (afterSteps - before) + " fits " + (afterFits - afterSteps));
        }
    }

    private static long rss() throws Exception {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
