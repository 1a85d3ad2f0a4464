package dev.frost.cli;

import dev.frost.data.ArrayDataset;
import dev.frost.examples.DigitsGrid;
import dev.frost.examples.DigitsTransfer;
import dev.frost.examples.SklearnDigits;
import dev.frost.examples.SpamAssassin;
import dev.frost.FrostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code frost demo}: the transfer-learning comparison on real handwritten digits; {@code frost demo text}: MiniLM. */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoTextCommand.class,
        description = {"Transfer a CNN pretrained on font-rendered digits to real handwritten digits four ways, beside"
                + " the Fashion-MNIST base, and compare them with training from scratch.",
            "'frost demo text': the real MiniLM-L6 on real e-mails, frozen and cached vs fine-tuned."})
final class DemoCommand implements Runnable {
    enum Target { digits, sklearn_digits }

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--bases", split = ",", defaultValue = "fonts,fashion", paramLabel = "NAME",
            description = "Embedded bases, the first in every method, the others as feature extraction and fine-tune rows: fonts, fashion (default ${DEFAULT-VALUE}).")
    List<String> bases;

    @Option(names = "--base", paramLabel = "DIR", description = "A pretrained base checkpoint folder instead of the embedded ones.")
    Path base;

    @Option(names = "--target", defaultValue = "digits", description = "digits (OpenCV's 5,000 MNIST digits) or sklearn_digits (scikit-learn's 1,797 8x8 digits, enlarged) (default ${DEFAULT-VALUE}).")
    Target target;

    @Option(names = "--digits", paramLabel = "FILE", description = "The target's file: digits.png grid (default: the embedded copy) or scikit-learn's digits.csv (default: data/sklearn/digits.csv).")
    Path digits;

    @Option(names = "--text", description = "Also run 'frost demo text' (MiniLM on e-mails) after the images; the JSON holds both.")
    boolean text;

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
        if (text && !Files.isDirectory(SpamAssassin.defaultDir())) { // before the images' minutes, not after
            throw new FrostException("--text: no e-mails in " + SpamAssassin.defaultDir() + ": " + SpamAssassin.FETCH);
        }
        List<DigitsTransfer.Base> chosen = new ArrayList<>();
        if (base != null) {
            chosen.add(DigitsTransfer.Base.folder(base));
        } else {
            for (String b : bases) {
                chosen.add(switch (b) {
                    case "fonts" -> DigitsTransfer.Base.FONTS;
                    case "fashion" -> DigitsTransfer.Base.FASHION;
                    default -> throw new FrostException("--bases: unknown base '" + b
                            + "' (use fonts, fashion)");
                });
            }
        }
        ArrayDataset data;
        String what;
        if (target == Target.digits) {
            data = digits == null ? DigitsGrid.embedded() : DigitsGrid.read(digits);
            what = "real handwritten digits (MNIST, OpenCV's sample)";
        } else {
            data = SklearnDigits.read(digits == null ? SklearnDigits.defaultFile() : digits);
            what = "scikit-learn's 8x8 handwritten digits, enlarged";
        }
        DigitsTransfer.Report report = DigitsTransfer.run(new DigitsTransfer.Options(chosen, data, what, seeds,
                trainPerClass, DigitsTransfer.VALID_PER_CLASS, epochs, freezeEpochs, batch, baseLr, lrMult, false));
        System.out.print(DigitsTransfer.format(report));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", report);
        if (text) {
            System.out.println();
            out.put("text", DemoTextCommand.measureWithDefaults());
        }
        JsonOut.write(json, out);
    }
}
