package dev.frost.cli;

import dev.frost.FrostException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./frost}. Errors print as one line; the exit code is 1 for bad input, 2 for usage
 * (unknown commands or options), 3 for a training run that was stopped and can be resumed. */
@Command(name = "frost", mixinStandardHelpOptions = true, version = "frost 0.1.0",
        description = "Train neural networks with layer freezing.",
        subcommands = {TrainCommand.class, DashboardCommand.class, InitCommand.class, EvaluateCommand.class,
            PredictCommand.class, ExportCommand.class, BenchCommand.class, SummaryCommand.class, PretrainCommand.class,
            DemoCommand.class, DataCommand.class})
public final class FrostCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (used by tests). */
    public static int execute(String... args) {
        FrostCli root = new FrostCli();
        CommandLine cl = new CommandLine(root);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean debug = java.util.Arrays.asList(args).contains("--debug");
            if (debug) {
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().println("frost: " + oneLine(ex) + (debug || ex instanceof FrostException ? ""
                    : " (run again with --debug for the stack trace)"));
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            String what = ex.getMessage() == null ? oneLine(ex) : ex.getMessage().lines().findFirst().orElse("");
            cmd.getErr().println("frost: " + what + " (see 'frost " + qualifiedName(cmd) + " --help')");
            return 2;
        });
        return cl.execute(args);
    }

    private static String qualifiedName(CommandLine cmd) {
        String name = cmd.getCommandSpec().qualifiedName(" ");
        return name.startsWith("frost ") ? name.substring(6) : name.equals("frost") ? "" : name;
    }

    /** A user sees one line: a FrostException's message, or what went wrong and where, never a stack trace. */
    static String oneLine(Exception ex) {
        String msg = ex.getMessage();
        if (!(ex instanceof FrostException)) {
            msg = ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
        }
        msg = msg == null ? ex.getClass().getSimpleName() : msg.lines().findFirst().orElse("");
        return msg.length() > 300 ? msg.substring(0, 297) + "..." : msg;
    }
}
