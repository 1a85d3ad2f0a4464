package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code frost summary}: the Keras-like table of a built-in model under a freeze setting. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Print a model summary.")
final class SummaryCommand implements Runnable {
    @Option(names = "--model", defaultValue = "cnn", description = "mlp, cnn or resnet (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--freeze-to", description = "Freeze the groups before N (negative counts from the end).")
    Integer freezeTo;

    @Option(names = "--train-bn", description = "Keep BatchNorm trainable in frozen groups (fastai).")
    boolean trainBn;

    @Override
    public void run() {
        try (FrostModel m = build(model)) {
            if (freezeTo != null) {
                m.freezeTo(freezeTo);
            }
            m.setTrainBn(trainBn);
            m.applyFreezeState();
            System.out.print(m.summary());
        }
    }

    static FrostModel build(String name) {
        switch (name) {
            case "mlp":
                return Models.mlp(784, new int[] {1024, 1024, 1024}, 10, 42);
            case "cnn":
                return Models.cnn(10, 42);
            case "resnet":
                return Models.resnet(10, 42);
            default:
                throw new FrostException("unknown model '" + name + "': use mlp, cnn or resnet");
        }
    }
}
