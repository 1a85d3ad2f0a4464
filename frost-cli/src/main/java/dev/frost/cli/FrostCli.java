package dev.frost.cli;

import dev.frost.FrostException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./frost}. Errors print as one line; the exit code is 1 for bad input, 2 for usage. */
@Command(name = "frost", mixinStandardHelpOptions = true, version = "frost 0.1.0",
        description = "Train neural networks with layer freezing.",
        subcommands = {BenchCommand.class, SummaryCommand.class, PretrainCommand.class, DemoCommand.class})
public final class FrostCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (used by tests). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new FrostCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof FrostException) {
                cmd.getErr().println("frost: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
