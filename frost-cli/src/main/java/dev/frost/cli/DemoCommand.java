package dev.frost.cli;

import dev.frost.data.ArrayDataset;
import dev.frost.examples.DigitsGrid;
import dev.frost.examples.DigitsTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code frost demo}: the transfer-learning comparison on real handwritten digits. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Transfer a Fashion-MNIST CNN to real handwritten digits four ways and compare them.")
final class DemoCommand implements Runnable {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--base", paramLabel = "DIR", description = "Pretrained base checkpoint (default: the embedded one).")
    Path base;

    @Option(names = "--digits", paramLabel = "PNG", description = "digits.png grid (default: the embedded copy).")
    Path digits;

    @Option(names = "--seeds", defaultValue = "3", description = "Repeats with different splits and seeds (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--train-per-class", defaultValue = "50", description = "Labelled training digits per class (default ${DEFAULT-VALUE}).")
    int trainPerClass;

    @Option(names = "--epochs", defaultValue = "16", description = "Epochs per method (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--freeze-epochs", defaultValue = "4", description = "Frozen epochs of fine-tune, within --epochs (default ${DEFAULT-VALUE}).")
    int freezeEpochs;

    @Option(names = "--base-lr", defaultValue = "0.01", description = "Base learning rate of fine-tune and gradual unfreezing (default ${DEFAULT-VALUE}).")
    double baseLr;

    @Option(names = "--lr-mult", defaultValue = "3", description = "fastai's lr_mult: first group gets base/lr-mult (default ${DEFAULT-VALUE}).")
    double lrMult;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public void run() {
        CliChecks.atLeast("--seeds", seeds, 1);
        CliChecks.between("--train-per-class", trainPerClass, 1, 450);
        CliChecks.atLeast("--epochs", epochs, 1);
        CliChecks.between("--freeze-epochs", freezeEpochs, 0, epochs - 1);
        CliChecks.positive("--base-lr", baseLr);
        CliChecks.atLeast("--lr-mult", lrMult, 1);
        CliChecks.atLeast("--batch", batch, 1);
        CliChecks.writableFile("--json", json);
        CliChecks.existingFolder("--base", base);
        CliChecks.readableFile("--digits", digits);
        ArrayDataset data = digits == null ? DigitsGrid.embedded() : DigitsGrid.read(digits);
        DigitsTransfer.Report report = DigitsTransfer.run(new DigitsTransfer.Options(base, data, seeds,
                trainPerClass, DigitsTransfer.VALID_PER_CLASS, epochs, freezeEpochs, batch, baseLr, lrMult, false));
        System.out.print(DigitsTransfer.format(report));
        JsonOut.write(json, report);
    }
}
