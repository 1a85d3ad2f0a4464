package dev.frost.io;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kill-9 soak's child: trains a tiny model with dropout, a checkpoint every step; resumes from the checkpoint
 * folder when one exists; at the end writes the final weights to {@code out}. Prints "ready" once training starts.
 */
public final class SoakChild {
    static final int EPOCHS = 80;

    private SoakChild() {}

    static FrostModel model() {
        return FrostModel.builder(new Shape(8)).optSeed(3)
                .addGroup("body", Layers.linear("fc1", 16), Layers.relu("relu"), Layers.dropout("drop", 0.2f))
                .addGroup("head", Layers.linear("out", 3)).build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        ArrayDataset data = SyntheticData.classification("soak", 64, new Shape(8), 3, 4);
        TrainConfig cfg = TrainConfig.builder().setEpochs(EPOCHS).optBatchSize(8).optLearningRate(1e-3)
                .optSeed(11).optProgressBar(false).optSchedule("cosine").build();
        try (FrostModel m = model(); AdamW opt = new AdamW()) {
            Callback stepped = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    System.out.println("step " + ctx.globalStep());
                    System.out.flush();
                }
            };
            Trainer t = new Trainer(m, opt, cfg, new ModelCheckpoint(dir, null, 1, 2), stepped);
            if (Files.isDirectory(dir) && Files.exists(dir.resolve(CheckpointStore.LATEST))) {
                Checkpoints.resume(dir, t);
            }
            System.out.println("ready at step " + t.progress().globalStep());
            System.out.flush();
            if (t.progress().globalStep() == 0 || t.progress().inCall()) {
                t.fit(data, null);
            }
            Checkpoints.saveModel(out, m);
            System.out.println("done");
        }
    }
}
