package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.examples.DigitsGrid;
import dev.frost.examples.FashionMnist;
import dev.frost.examples.FontDigits;
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

/**
 * {@code frost pretrain}: trains the BatchNorm CNN on a pretraining source and writes it as a checkpoint: digits
 * rendered from Debian's fonts (the demo's default base) or Fashion-MNIST (the second one).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Train the BatchNorm CNN on font-rendered digits or Fashion-MNIST (the bases 'frost demo' transfers).")
final class PretrainCommand implements Runnable {
    enum Source { fonts, fashion }

    @Option(names = "--source", defaultValue = "fonts", description = "fonts (digits rendered from data/fonts) or fashion (Fashion-MNIST) (default ${DEFAULT-VALUE}).")
    Source source;

    @Option(names = "--data", description = "Source folder (default: data/fonts or data/fashion-mnist).")
    Path data;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--count", defaultValue = "60000", description = "fonts: training images to render (default ${DEFAULT-VALUE}; 10,000 more are rendered for the test).")
    int count;

    @Option(names = "--out", description = "Checkpoint folder (default target/pretrained/<source>-cnn).")
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
        CliChecks.atLeast("--count", count, 10);
        if (source != Source.fonts && spec.commandLine().getParseResult().hasMatchedOption("--count")) {
            throw new dev.frost.FrostException("--count applies to --source fonts (the digits it renders);"
                    + " --source " + source + " trains on all its images");
        }
        CliChecks.existingFolder("--data", data);
        Path target = out != null ? out : Path.of("target", "pretrained", source + "-cnn");
        CliChecks.writableFolder("--out", target);
        ArrayDataset train;
        ArrayDataset test;
        if (source == Source.fonts) {
            FontDigits.FontSet fonts = FontDigits.load(data != null ? data : FontDigits.defaultDir());
            System.out.printf(Locale.ROOT, "rendering %,d + 10,000 digits from %d fonts of %d packages%n", count,
                    fonts.fonts(), fonts.packages().size());
            train = FontDigits.render(fonts, count, seed, "font-digits-train");
            test = FontDigits.render(fonts, 10_000, seed + 1, "font-digits-test");
        } else {
            Path dir = data != null ? data : FashionMnist.defaultDir();
            train = FashionMnist.train(dir);
            test = FashionMnist.test(dir);
        }
        try (FrostModel model = Models.cnn(10, seed)) {
            Trainer trainer = new Trainer(model, new AdamW(0.9, 0.999, 1e-8, 0.01), TrainConfig.builder()
                    .setEpochs(epochs).optBatchSize(batch).optLearningRate(lr).optSchedule("onecycle")
                    .optSeed(seed).optMeasureFullStep(true).build());
            FitResult r = trainer.fit(train, null);
            Evaluation e = trainer.evaluate(test);
            Checkpoints.saveModel(target, model);
            System.out.printf(Locale.ROOT, "%s test accuracy %.4f (loss %.4f) after %d epochs, %.0f s; wrote %s%n",
                    source, e.accuracy(), e.loss(), epochs, r.trainSeconds(), target);
            if (source == Source.fonts) {
                // the real digits are not used for training or for choosing anything: printed for information
                System.out.printf(Locale.ROOT, "as a digit classifier with no real digit seen: %.4f on the demo's"
                        + " 5,000 real digits%n", trainer.evaluate(DigitsGrid.embedded()).accuracy());
            }
            if (e.accuracy() < 0.5) {
                throw new FrostException("pretraining failed to learn (test accuracy " + e.accuracy() + ")");
            }
        }
    }
}
