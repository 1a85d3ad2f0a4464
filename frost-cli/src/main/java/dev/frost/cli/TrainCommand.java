package dev.frost.cli;

import dev.frost.FrostException;
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

    @Override
    public Integer call() {
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
                System.err.println("frost: stopping at the next step boundary and saving a checkpoint...");
                made[0].request();
                try {
                    saved.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "frost-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        StopSwitch.Factory stops = n -> made[0] = new StopSwitch(n);
        try {
            TrainRun.Outcome o = resume != null ? TrainRun.resume(resume.toAbsolutePath(), stops)
                    : TrainRun.start(cfg, config, stops);
            return o == TrainRun.Outcome.FINISHED ? 0 : 3;
        } finally {
            saved.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting (Ctrl-C): the hook has seen the countdown
            }
        }
    }
}
