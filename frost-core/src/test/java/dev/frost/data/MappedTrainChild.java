package dev.frost.data;

import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;

import java.nio.file.Path;

/**
 * The child JVM of {@link MappedDatasetLargeTest}: trains one epoch on a memory-mapped file far larger than its heap
 * and prints one result line the parent checks.
 */
public final class MappedTrainChild {
    private MappedTrainChild() {}

    public static void main(String[] args) {
        int code = 1;
        try {
            MappedDataset data = MappedDataset.open(Path.of(args[0]));
            double[] firstLoss = {Double.NaN};
            long[] steps = {0};
            Callback watch = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (steps[0]++ == 0) {
                        firstLoss[0] = ctx.lastLoss();
                    }
                }
            };
            TrainConfig config = TrainConfig.builder().setEpochs(1).optBatchSize(256).optLearningRate(1e-3)
                    .optShuffle(false).optProgressBar(false).optMeasureFullStep(false).build();
            try (FrostModel model = Models.mlp(784, new int[] {32}, 10, 1)) {
                FitResult r = new Trainer(model, new AdamW(), config, watch).fit(data, null);
                System.out.println("RESULT examples=" + data.size() + " steps=" + steps[0] + " maxHeap="
                        + Runtime.getRuntime().maxMemory() + " firstLoss=" + firstLoss[0] + " lastLoss="
                        + r.epochs().get(0).trainLoss());
            }
            code = 0;
        } catch (Throwable t) {
            t.printStackTrace();
        }
        System.out.flush();
        System.exit(code);
    }
}
