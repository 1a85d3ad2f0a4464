package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.cli.dashboard.Dashboard;
import dev.frost.cli.train.ConfigLoader;
import dev.frost.cli.train.StopSwitch;
import dev.frost.cli.train.TrainRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code frost train CONFIG.yaml}: trains from a config file into a run folder. Ctrl-C pauses at the next step
 * boundary: a shutdown hook asks for the stop and waits until the checkpoint is saved, so the run resumes exactly.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train your data and model from a config file (see 'frost init'); writes a run folder with"
                + " checkpoints, metrics.csv, run.json and report.html.")
final class TrainCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "YAML or JSON config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable), e.g."
            + " --set trainer.epochs=5.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue a stopped run with its saved config.")
    Path resume;

    @Option(names = "--dashboard", description = "Serve a live dashboard of the run (prints its URL with the token):"
            + " curves, freeze timeline, cache, and a snowflake per group and layer to freeze or unfreeze.")
    boolean dashboard;

    @Option(names = "--dashboard-port", paramLabel = "N", description = "Dashboard port (default 0: any free port).")
    Integer dashboardPort;

    @Option(names = "--dashboard-bind", paramLabel = "ADDR", description = "Dashboard address (default 127.0.0.1;"
            + " another address lets anyone who reaches it with the token control the run).")
    String dashboardBind;

    @Option(names = "--dashboard-keep", description = "Keep serving the dashboard after the run ends, until Ctrl-C.")
    boolean dashboardKeep;

    /** One line on stderr when a server listens beyond this machine. */
    static void warnIfExposed(String bind, String what) {
        try {
            if (!java.net.InetAddress.getByName(bind).isLoopbackAddress()) {
                System.err.println("frost: warning: " + what + " listens on " + bind + ": anyone who can reach it"
                        + " and has the token can control the run");
            }
        } catch (java.net.UnknownHostException e) {
            throw new FrostException("--dashboard-bind: unknown address '" + bind + "'");
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!dashboard && (dashboardPort != null || dashboardBind != null || dashboardKeep)) {
            throw new FrostException("--dashboard-port, --dashboard-bind and --dashboard-keep need --dashboard");
        }
        Dashboard live = null;
        if (dashboard) {
            String bind = dashboardBind == null ? "127.0.0.1" : dashboardBind;
            warnIfExposed(bind, "the dashboard");
            live = Dashboard.start(bind, dashboardPort == null ? 0 : dashboardPort, null);
            System.out.println("dashboard: " + live.url());
            System.out.flush();
        }
        try {
            return train(live);
        } finally {
            if (live != null) {
                live.close();
            }
        }
    }

    private int train(Dashboard live) throws InterruptedException {
        if (resume != null && config != null) {
            throw new FrostException("--resume continues a run with its saved config: give RUN_DIR only, no CONFIG");
        }
        if (resume != null && !sets.isEmpty()) {
            throw new FrostException("--set cannot change a resumed run (it continues with its saved config)");
        }
        if (resume == null && config == null) {
            throw new FrostException("give a CONFIG file (frost init writes one) or --resume RUN_DIR");
        }
        if (resume != null) {
            CliChecks.existingFolder("--resume", resume);
        }
        ConfigLoader.Loaded cfg = config == null ? null : ConfigLoader.load(config, sets);
        CountDownLatch saved = new CountDownLatch(1);
        StopSwitch[] made = new StopSwitch[1];
        Thread hook = new Thread(() -> {
            if (made[0] != null && saved.getCount() > 0) {
                if (live != null) {
                    live.close(); // a run paused from the page must reach the step boundary
                }
                System.err.println("frost: stopping at the next step boundary and saving a checkpoint...");
                made[0].request();
                try {
                    saved.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // the command ends here; the flag stays cleared so the server can stop cleanly
                }
            }
        }, "frost-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        StopSwitch.Factory stops = n -> made[0] = new StopSwitch(n);
        TrainRun.PhaseHook phases = live == null ? null : (name, checkpoints) -> {
            live.useCheckpoints(checkpoints);
            return live;
        };
        TrainRun.Outcome o;
        try {
            o = resume != null ? TrainRun.resume(resume.toAbsolutePath(), stops, phases)
                    : TrainRun.start(cfg, config, stops, phases);
        } finally {
            saved.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting (Ctrl-C): the hook has seen the countdown
            }
        }
        if (live != null) {
            live.ended(o == TrainRun.Outcome.FINISHED ? "run finished" : "run stopped");
            if (dashboardKeep) {
                System.out.println("dashboard: still serving " + live.url() + " until Ctrl-C");
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE); // Ctrl-C ends the JVM; an interrupt (tests) ends the command
                } catch (InterruptedException e) {
                    // the command ends here; the flag stays cleared so the server can stop cleanly
                }
            }
        }
        return o == TrainRun.Outcome.FINISHED ? 0 : 3;
    }
}
