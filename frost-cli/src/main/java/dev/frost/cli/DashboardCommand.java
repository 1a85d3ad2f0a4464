package dev.frost.cli;

import dev.frost.cli.dashboard.RunDashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code frost dashboard RUN_DIR}: the dashboard of a run that has ended, read-only, until Ctrl-C. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve a run folder's dashboard read-only (curves, freeze timeline, groups) until Ctrl-C.")
final class DashboardCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run folder written by frost train.")
    Path run;

    @Option(names = "--port", paramLabel = "N", description = "Port (default 0: any free port).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1).")
    String bind = "127.0.0.1";

    @Override
    public Integer call() throws InterruptedException {
        CliChecks.existingFolder("RUN_DIR", run);
        TrainCommand.warnIfExposed(bind, "the dashboard");
        try (RunDashboard d = RunDashboard.serve(run.toAbsolutePath(), bind, port)) {
            System.out.println("dashboard (read-only): " + d.url());
            System.out.println("serving until Ctrl-C");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // Ctrl-C ends the JVM; an interrupt (tests) ends the command
        } catch (InterruptedException e) {
            return 0;
        }
        return 0;
    }
}
