package dev.frost.cli;

import dev.frost.cli.train.RunModels;
import dev.frost.data.Dataset;
import dev.frost.data.ImageFolderDataset;
import dev.frost.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code frost predict RUN_DIR --data ... --out predictions.csv}: one row per example. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a run's model (best checkpoint): classes with their probabilities, or targets.")
final class PredictCommand implements Runnable {
    @picocli.CommandLine.Mixin
    RunArgs runArgs;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "What the run trained on, without labels: a CSV file (label columns may be absent), texts"
                    + " (JSON lines or CSV, labels may be absent) or an image folder (class folders or none).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The predictions CSV.")
    Path out;

    @Override
    public void run() {
        CliChecks.writableFile("--out", out);
        CliChecks.notSameFile("--out", out, "--data", data);
        RunModels.Loaded r = runArgs.load();
        try (dev.frost.model.FrostModel m = r.model()) {
            // labels are not read: a CSV without its label columns, texts without them, images in folders or not
            Dataset d = RunModels.unlabelled(r, data);
            float[][] y = r.model().predict(d);
            List<String> classes = r.state().classNames();
            StringBuilder sb = new StringBuilder("id");
            if (classes != null) {
                sb.append(",prediction");
                classes.forEach(c -> sb.append(',').append(csvField("p_" + c)));
            } else {
                r.spec().data().csv().labelColumns().forEach(c -> sb.append(',').append(csvField(c)));
            }
            sb.append('\n');
            for (int i = 0; i < y.length; i++) {
                sb.append(d instanceof ImageFolderDataset im ? csvField(data.relativize(im.file(i)).toString())
                        : String.valueOf(i + 1));
                if (classes != null) {
                    double[] p = softmax(y[i]);
                    int best = 0;
                    for (int k = 1; k < p.length; k++) {
                        best = p[k] > p[best] ? k : best;
                    }
                    sb.append(',').append(csvField(classes.get(best)));
                    for (double v : p) {
                        sb.append(String.format(Locale.ROOT, ",%.6f", v));
                    }
                } else {
                    for (float v : y[i]) {
                        sb.append(String.format(Locale.ROOT, ",%.6g", v));
                    }
                }
                sb.append('\n');
            }
            AtomicFiles.write(out, sb.toString().getBytes(StandardCharsets.UTF_8));
            System.out.println("wrote " + y.length + " predictions to " + out);
        }
    }

    /** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
    static String csvField(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private static double[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
