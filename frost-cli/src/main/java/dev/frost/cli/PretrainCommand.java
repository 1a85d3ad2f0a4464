package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.examples.FashionMnist;
import dev.frost.freeze.optim.AdamW;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.metric.Evaluation;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** {@code frost pretrain}: trains the BatchNorm CNN on Fashion-MNIST and writes it as a checkpoint. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Train the BatchNorm CNN on Fashion-MNIST (the base that 'frost demo' transfers).")
final class PretrainCommand implements Runnable {
    @Option(names = "--data", description = "Fashion-MNIST folder (default: data/fashion-mnist).")
    Path data;

    @Option(names = "--out", defaultValue = "target/pretrained/fashion-cnn", description = "Checkpoint folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "8", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.003", description = "Peak learning rate of the one-cycle schedule (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        CliChecks.atLeast("--epochs", epochs, 1);
        CliChecks.atLeast("--batch", batch, 1);
        CliChecks.positive("--lr", lr);
        CliChecks.writableFolder("--out", out);
        CliChecks.existingFolder("--data", data);
        Path dir = data != null ? data : FashionMnist.defaultDir();
        ArrayDataset train = FashionMnist.train(dir);
        ArrayDataset test = FashionMnist.test(dir);
        try (FrostModel model = Models.cnn(10, seed)) {
            Trainer trainer = new Trainer(model, new AdamW(0.9, 0.999, 1e-8, 0.01), TrainConfig.builder()
                    .setEpochs(epochs).optBatchSize(batch).optLearningRate(lr).optSchedule("onecycle")
                    .optSeed(seed).optMeasureFullStep(true).build());
            FitResult r = trainer.fit(train, null);
            Evaluation e = trainer.evaluate(test);
            Checkpoints.saveModel(out, model);
            System.out.printf(Locale.ROOT, "Fashion-MNIST test accuracy %.4f (loss %.4f) after %d epochs, %.0f s;"
                    + " wrote %s%n", e.accuracy(), e.loss(), epochs, r.trainSeconds(), out);
            if (e.accuracy() < 0.5) {
                throw new FrostException("pretraining failed to learn (test accuracy " + e.accuracy() + ")");
            }
        }
    }
}
