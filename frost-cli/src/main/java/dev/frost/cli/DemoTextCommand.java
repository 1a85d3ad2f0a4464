package dev.frost.cli;

import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import dev.frost.examples.SpamFineTune.Method;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code frost demo text}: the real MiniLM-L6 on a subset of the SpamAssassin e-mails three ways, sized to finish in
 * about three minutes on two cores: full fine-tuning, embeddings + 4 layers frozen, the whole encoder frozen with its
 * features cached. The launcher fetches the e-mails on first use ({@code scripts/fetch-data.sh --spam}).
 */
@Command(name = "text", mixinStandardHelpOptions = true,
        description = "The real MiniLM-L6 on real e-mails (spam vs ham): full fine-tuning vs embeddings + 4 layers"
                + " frozen vs the encoder frozen and cached, with accuracy, time and the work freezing saved.")
final class DemoTextCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON.")
    Path json;

    @Option(names = "--train-size", defaultValue = "600", description = "Training e-mails (default ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--test-size", defaultValue = "1000", description = "Held-out test e-mails (default ${DEFAULT-VALUE}).")
    int testSize;

    @Option(names = "--seq-len", defaultValue = "64", description = "Tokens per e-mail (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--head-epochs", defaultValue = "20", description = "Epochs of the head on the cached encoder features: nearly free once cached (default ${DEFAULT-VALUE}).")
    int headEpochs;

    @Option(names = "--seed", defaultValue = "42", description = "Split and initialization seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "SpamAssassin folder (default data/spam-assassin).")
    Path data;

    @Override
    public void run() {
        // picocli takes 'demo --json F text' and leaves --json to the demo that does not run: refuse, not ignore
        var parent = spec.commandLine().getParent().getParseResult();
        if (!parent.matchedOptions().isEmpty()) {
            throw new dev.frost.FrostException("'frost demo " + parent.matchedOptions().get(0).longestName()
                    + "' is an option of the image demo; give 'demo text' its own options after 'text' (see 'frost"
                    + " demo text --help')");
        }
        JsonOut.write(json, measure());
    }

    /** The defaults' run, for {@code frost demo --text}. */
    static Map<String, Object> measureWithDefaults() {
        DemoTextCommand c = new DemoTextCommand();
        new CommandLine(c).parseArgs();
        return c.measure();
    }

    /** Checks the options, runs the three methods, prints the table and returns it for JSON. */
    Map<String, Object> measure() {
        CliChecks.atLeast("--train-size", trainSize, 16);
        CliChecks.atLeast("--test-size", testSize, 1);
        CliChecks.between("--seq-len", seqLen, 8, 512);
        CliChecks.atLeast("--epochs", epochs, 1);
        CliChecks.atLeast("--head-epochs", headEpochs, 1);
        CliChecks.writableFile("--json", json);
        CliChecks.existingFolder("--data", data);
        SpamFineTune.Options d = SpamFineTune.Options.defaults();
        SpamFineTune.Options o = new SpamFineTune.Options(seqLen, trainSize, testSize, epochs, d.batchSize(), d.lr(),
                d.frozenLayers(), seed, headEpochs);
        List<SpamAssassin.Email> emails = SpamAssassin.load(data != null ? data : SpamAssassin.defaultDir());
        List<SpamFineTune.Row> rows = SpamFineTune.run(emails, o,
                List.of(Method.FULL, Method.FROZEN_K, Method.HEAD_CACHED));
        System.out.print(SpamFineTune.format(rows, o));
        return Map.of("options", o, "rows", rows);
    }
}
