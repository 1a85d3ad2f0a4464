package dev.frost.cli;

import dev.frost.cli.train.RunModels;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** The run a command reads ({@code RUN_DIR}) and which of its checkpoints: shared by evaluate, predict and export. */
final class RunArgs {
    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path run;

    @Option(names = "--checkpoint", defaultValue = "best", description = "best or latest (default ${DEFAULT-VALUE}).")
    String checkpoint;

    /** Checks the folder, then loads the run's model from the chosen checkpoint. */
    RunModels.Loaded load() {
        CliChecks.existingFolder("RUN_DIR", run);
        return RunModels.load(run, checkpoint);
    }
}
