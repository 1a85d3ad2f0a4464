package dev.frost.cli;

import dev.frost.cli.train.RunModels;
import dev.frost.data.Dataset;
import dev.frost.metric.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code frost evaluate RUN_DIR --data ...}: loss and metrics of a run's model on labelled data. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a run's model (best checkpoint) on labelled data read as training read it.")
final class EvaluateCommand implements Runnable {
    @picocli.CommandLine.Mixin
    RunArgs runArgs;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "Image folder or CSV file.")
    Path data;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON.")
    Path json;

    @Override
    public void run() {
        CliChecks.writableFile("--json", json);
        RunModels.Loaded r = runArgs.load();
        try (dev.frost.model.FrostModel m = r.model()) {
            Dataset d = RunModels.labelled(r, data);
            Evaluation e = r.model().evaluate(d);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("data", data.toString());
            out.put("examples", e.examples());
            out.put("loss", e.loss());
            out.putAll(e.metrics());
            System.out.println(out);
            JsonOut.write(json, out);
        }
    }
}
