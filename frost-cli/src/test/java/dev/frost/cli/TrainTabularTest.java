package dev.frost.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost train / evaluate / predict end to end on small CSVs with an mlp, and an exact resume after a stop. */
class TrainTabularTest {
    static Path csv(Path dir, String name, int rows, boolean regression, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < rows; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double c = r.nextGaussian();
            String label = regression ? String.format(Locale.ROOT, "%.4f", 2 * a - b + 0.5 * c)
                    : a + b > 0.5 ? "hi" : a + b < -0.5 ? "lo" : "mid";
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%s%n", a, b, c, label));
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    static Path config(Path dir, String name, String body) throws Exception {
        return Files.writeString(dir.resolve(name), body);
    }

    static String tabular(Path train, Path run, String task, String strategy) {
        return "run: {dir: " + run + ", seed: 7}\n"
                + "data: {type: csv, train: " + train + ", split: {valid: 0.25}, csv: {task: " + task + "}}\n"
                + "model: {type: mlp, hidden: [16, 16]}\n"
                + "strategy: " + strategy + "\n"
                + "trainer: {epochs: 3, batch_size: 16, lr: 0.01, progress_bar: false}\n";
    }

    @Test
    void classificationTrainsEvaluatesAndPredicts(@TempDir Path dir) throws Exception {
        Path train = csv(dir, "train.csv", 240, false, 1);
        Path test = csv(dir, "test.csv", 60, false, 2);
        Path run = dir.resolve("run");
        Path cfg = config(dir, "c.yaml", tabular(train, run, "classification", "{type: full}"));
        CliRunner.Result r = CliRunner.run("train", cfg.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        for (String f : List.of("config.yaml", "state.json", "metrics.csv", "run.json", "report.html",
                "checkpoints/train/LATEST", "checkpoints/train/BEST")) {
            assertTrue(Files.exists(run.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size()); // header + 3 epochs
        r = CliRunner.run("evaluate", run.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy"), r.out());
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc > 0.6, "test accuracy " + acc);
        Path out = dir.resolve("pred.csv");
        Path unlabelled = Files.writeString(dir.resolve("u.csv"), "c,b,a\n0,1,2\n0,-1,-2\n");
        r = CliRunner.run("predict", run.toString(), "--data", unlabelled.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = Files.readAllLines(out);
        assertEquals("id,prediction,p_hi,p_lo,p_mid", rows.get(0));
        assertTrue(rows.get(1).startsWith("1,hi,"), rows.toString());
        assertTrue(rows.get(2).startsWith("2,lo,"), rows.toString());
        // read as training reads: a BOM and quoted fields; a non-finite feature is refused naming line and column
        Path quoted = Files.writeString(dir.resolve("q.csv"), "\uFEFFc,b,a,note\n0,1,2,\"x,\ny\"\n0,-1,-2,z\n");
        Path viaLink = Files.createSymbolicLink(dir.resolve("link.csv"), dir.resolve("target.csv"));
        Files.writeString(dir.resolve("target.csv"), "old");
        r = CliRunner.run("predict", run.toString(), "--data", quoted.toString(), "--out", viaLink.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(viaLink), "the link stays a link");
        assertEquals(rows, Files.readAllLines(dir.resolve("target.csv")), "written through the link");
        Path nan = Files.writeString(dir.resolve("nan.csv"), "c,b,a\n0,1,2\nNaN,-1,-2\n");
        r = CliRunner.run("predict", run.toString(), "--data", nan.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 3, column 'c': 'NaN' is not a finite number"), r.err());
        r = CliRunner.run("predict", run.toString(), "--data", nan.toString(), "--out", nan.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is the --data file"), r.err());
        assertTrue(Files.readString(nan).startsWith("c,b,a"), "the input is kept");
        assertEquals("\"p_a,\"\"b\"\"\"", PredictCommand.csvField("p_a,\"b\""));
        // a second run into the same folder is refused and leaves it as it was
        String before = Files.readString(run.resolve("state.json"));
        r = CliRunner.run("train", cfg.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("already holds files"), r.err());
        assertEquals(before, Files.readString(run.resolve("state.json")));
    }

    @Test
    void regressionWithOverrides(@TempDir Path dir) throws Exception {
        Path train = csv(dir, "train.csv", 200, true, 3);
        Path run = dir.resolve("reg");
        Path cfg = config(dir, "r.yaml", tabular(train, dir.resolve("unused"), "regression", "{type: full}"));
        CliRunner.Result r = CliRunner.run("train", cfg.toString(), "--set", "run.dir=" + run,
                "--set", "trainer.epochs=4", "--set", "trainer.metrics=[mae]");
        assertEquals(0, r.code(), r.err() + r.out());
        assertFalse(Files.exists(dir.resolve("unused")));
        assertEquals(5, Files.readAllLines(run.resolve("metrics.csv")).size());
        assertTrue(Files.readString(run.resolve("config.yaml")).contains("epochs: 4"));
        Path out = dir.resolve("p.csv");
        r = CliRunner.run("predict", run.toString(), "--data", train.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("id,label", Files.readAllLines(out).get(0));
        assertEquals(201, Files.readAllLines(out).size());
        r = CliRunner.run("evaluate", run.toString(), "--data", train.toString(), "--checkpoint", "latest");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("mae="), r.out());
    }

    @Test
    void standardizationBuiltIntoTheModelLearnsLargeUnscaledColumnsInTheirOwnUnits(@TempDir Path dir)
            throws Exception {
        // features in the thousands and a target around 5,000: raw, an MLP at lr 0.01 barely moves in 6 epochs
        java.util.Random rnd = new java.util.Random(5);
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 300; i++) {
            double a = 1000 + 300 * rnd.nextGaussian();
            double b = 20 + 5 * rnd.nextGaussian();
            sb.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f%n", a, b, 5000 + 2 * (a - 1000) + 40 * (b - 20)));
        }
        Path train = Files.writeString(dir.resolve("big.csv"), sb.toString());
        String body = "run: {dir: RUN, seed: 7}\n"
                + "data: {type: csv, train: " + train + ", split: {valid: 0.2}, csv: {label_columns: [y],"
                + " task: regression, standardize: MODE}}\n"
                + "model: {type: mlp, hidden: [16]}\n"
                + "trainer: {epochs: 6, batch_size: 16, lr: 0.01, metrics: [mae], progress_bar: false}\n";
        double[] mae = new double[2];
        String[] modes = {"none", "all"};
        for (int k = 0; k < 2; k++) {
            Path run = dir.resolve("run-" + modes[k]);
            Path cfg = config(dir, modes[k] + ".yaml", body.replace("RUN", run.toString()).replace("MODE", modes[k]));
            CliRunner.Result r = CliRunner.run("train", cfg.toString());
            assertEquals(0, r.code(), r.err() + r.out());
            r = CliRunner.run("evaluate", run.toString(), "--data", train.toString());
            assertEquals(0, r.code(), r.err());
            mae[k] = Double.parseDouble(r.out().replaceAll("(?s).*mae=([0-9.E-]+).*", "$1"));
        }
        // the target's standard deviation is about 660: standardized, the error is a small fraction of it, in the
        // target's own units (evaluate rebuilt the scaling layers from the run's state)
        assertTrue(mae[1] < 150, "standardized MAE " + mae[1]);
        assertTrue(mae[0] > 4 * mae[1], "raw MAE " + mae[0] + " vs standardized " + mae[1]);
        Path out = dir.resolve("p.csv");
        CliRunner.Result r = CliRunner.run("predict", dir.resolve("run-all").toString(), "--data", train.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        double first = Double.parseDouble(Files.readAllLines(out).get(1).split(",")[1]);
        assertTrue(first > 3000 && first < 7000, "prediction in the target's units: " + first);
        // a model that cannot hold the scaling is refused in one line naming the key
        Path bad = config(dir, "bad.yaml", body.replace("RUN", dir.resolve("run-bad").toString())
                .replace("MODE", "features").replace("{type: mlp, hidden: [16]}", "{type: cnn}"));
        r = CliRunner.run("train", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("data.csv.standardize"), r.err());
    }

    @Test
    void theAutoPolicyRunsFromAConfigAndCheckpointsItsMeasuredCosts(@TempDir Path dir) throws Exception {
        Path train = csv(dir, "train.csv", 480, false, 1);
        Path run = dir.resolve("auto");
        Path cfg = config(dir, "a.yaml", tabular(train, run, "classification", "{type: policy, policy: auto}")
                .replace("epochs: 3", "epochs: 4"));
        CliRunner.Result r = CliRunner.run("train", cfg.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        String manifest;
        try (var files = Files.walk(run.resolve("checkpoints/auto"))) {
            manifest = files.filter(p -> p.toString().endsWith(".json")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).reduce("", String::concat);
        }
        assertTrue(manifest.contains("\"auto\"") && manifest.contains("\"costs\""), manifest);
    }

    @Test
    void aStoppedRunResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path train = csv(dir, "train.csv", 200, false, 4);
        String strategy = "{type: fine-tune, freeze_epochs: 2}";
        Path full = dir.resolve("full");
        CliRunner.Result r = CliRunner.run("train", config(dir, "a.yaml", tabular(train, full, "classification",
                strategy)).toString());
        assertEquals(0, r.code(), r.err() + r.out());
        for (int stopAt : new int[] {13, 27}) { // 10 steps per epoch: inside the frozen and the unfrozen phase
            Path part = dir.resolve("part" + stopAt);
            r = CliRunner.run("train", config(dir, "b" + stopAt + ".yaml", tabular(train, part, "classification",
                    strategy)).toString(), "--set", "trainer.stop_after_steps=" + stopAt);
            assertEquals(3, r.code(), r.err() + r.out());
            assertTrue(Files.readString(part.resolve("state.json")).contains("stopped"));
            assertTrue(Files.exists(part.resolve("report.html")));
            if (stopAt == 13) { // a stopped run whose checkpoint is gone is refused, not restarted from scratch
                Path saved = Files.move(part.resolve("checkpoints"), dir.resolve("saved-checkpoints"));
                r = CliRunner.run("train", "--resume", part.toString());
                assertEquals(1, r.code(), r.out());
                assertTrue(r.err().contains("checkpoint is gone"), r.err());
                Files.move(saved, part.resolve("checkpoints"));
            }
            r = CliRunner.run("train", "--resume", part.toString());
            assertEquals(0, r.code(), r.err() + r.out());
            assertEquals(weights(full), weights(part), "stopped at step " + stopAt);
            // the metrics log: one row per finished epoch under one header, as the uninterrupted run's
            List<String> log = Files.readAllLines(part.resolve("metrics.csv"));
            List<String> fullLog = Files.readAllLines(full.resolve("metrics.csv"));
            assertEquals(fullLog.get(0), log.get(0), "the header");
            assertEquals(fullLog.size(), log.size(), "rows: " + log);
            for (int k = 1; k < log.size(); k++) {
                assertEquals(log.get(0).split(",", -1).length, log.get(k).split(",", -1).length, log.get(k));
                assertEquals(fullLog.get(k).split(",")[0], log.get(k).split(",")[0], "epoch column");
            }
            r = CliRunner.run("train", "--resume", part.toString());
            assertEquals(1, r.code());
            assertTrue(r.err().contains("is finished"), r.err());
        }
    }

    private static String weights(Path run) {
        return dev.frost.io.Checkpoints.readManifest(run.resolve("checkpoints/unfrozen")).weights().sha256();
    }
}
