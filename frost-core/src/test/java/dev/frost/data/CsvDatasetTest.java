package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.loss.Losses;
import dev.frost.model.FrostModel;
import dev.frost.train.EpochRecord;
import dev.frost.metric.Evaluation;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvDatasetTest {

    private static float[] features(Dataset d, int i) {
        float[] v = new float[(int) d.exampleShape().size()];
        d.readFeatures(i, v, 0);
        return v;
    }

    private static float[] label(Dataset d, int i) {
        float[] v = new float[d.labelValues()];
        d.readLabel(i, v, 0);
        return v;
    }

    @Test
    void classLabelsQuotesAndColumnChoice(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pets.csv");
        Files.writeString(f, "\uFEFFweight,label,\"height, cm\"\r\n"
                + "1.5,dog,\"30\"\r\n"
                + "\r\n"
                + "2,cat,  25 \r\n"
                + "\"3e0\",\"cat\",\"20\"\r\n"
                + "4,\"big \"\"bird\"\"\",-1\n");
        CsvDataset d = CsvDataset.read(f);
        assertEquals("pets", d.name());
        assertEquals(List.of("weight", "height, cm"), d.featureColumns());
        assertEquals(List.of("label"), d.labelColumns());
        assertEquals(List.of("big \"bird\"", "cat", "dog"), d.classNames());
        assertEquals(new Shape(2), d.exampleShape());
        assertEquals(4, d.size());
        assertArrayEquals(new float[] {1.5f, 30}, features(d, 0));
        assertArrayEquals(new float[] {2, 25}, features(d, 1));
        assertArrayEquals(new float[] {3, 20}, features(d, 2));
        assertArrayEquals(new float[] {2, 1, 1, 0}, new float[] {label(d, 0)[0], label(d, 1)[0], label(d, 2)[0],
                label(d, 3)[0]});

        // integers 0..k-1 are their own ids; other numbers are sorted numerically; the last column by default
        Files.writeString(dir.resolve("ids.csv"), "a,b,y\n1,2,2\n3,4,0\n5,6,1\n");
        CsvDataset ids = CsvDataset.read(dir.resolve("ids.csv"));
        assertEquals(List.of("0", "1", "2"), ids.classNames());
        assertEquals(2f, label(ids, 0)[0]);
        Files.writeString(dir.resolve("nums.csv"), "a,y\n1,10\n2,2\n3,1\n4,2\n");
        CsvDataset nums = CsvDataset.read(dir.resolve("nums.csv"));
        assertEquals(List.of("1", "2", "10"), nums.classNames());
        assertEquals(2f, label(nums, 0)[0]);
        assertEquals(0f, label(nums, 2)[0]);

        // chosen columns, and a validation file that reuses the training classes
        CsvDataset chosen = CsvDataset.builder(f).optLabelColumns("label").optFeatureColumns("height, cm")
                .optClassNames(List.of("ant", "big \"bird\"", "cat", "dog")).build();
        assertEquals(4, chosen.labelWidth());
        assertArrayEquals(new float[] {30}, features(chosen, 0));
        assertEquals(3f, label(chosen, 0)[0]);
        FrostException e = assertThrows(FrostException.class,
                () -> CsvDataset.builder(f).optClassNames(List.of("cat", "dog")).build());
        assertTrue(e.getMessage().contains("line 6") && e.getMessage().contains("'big \"bird\"'"), e.getMessage());
    }

    @Test
    void badFilesGiveOneLineErrorsWithFileLineAndColumn(@TempDir Path dir) throws IOException {
        assertError(dir, "x,y,label\n1,2,0\n3,oops,1\n", CsvDataset.Builder::build, "line 3", "column 'y'", "'oops'");
        assertError(dir, "x,y,label\n1,2,0\n3,,1\n", CsvDataset.Builder::build, "line 3", "column 'y'");
        assertError(dir, "x,y,label\n1,2,0\n3,4\n", CsvDataset.Builder::build, "line 3", "2 fields", "header has 3");
        assertError(dir, "x,y,label\n1,2,0\n\"3,4,1\n", CsvDataset.Builder::build, "line 3", "not closed");
        assertError(dir, "x,y,label\n1,2,0\n", b -> b.optLabelColumns("target").build(), "no column 'target'",
                "columns: x, y, label");
        assertError(dir, "x,y,label\n1,2,0\n", b -> b.optFeatureColumns("x", "z").build(), "no column 'z'");
        assertError(dir, "", CsvDataset.Builder::build, "is empty");
        assertError(dir, "x,y,label\n", CsvDataset.Builder::build, "no rows");
        assertError(dir, "x,x,label\n1,2,0\n", CsvDataset.Builder::build, "column 'x' twice");
        assertError(dir, "x,a,b\n1,0,2\n", b -> b.optLabelKind(LabelKind.MULTI_LABEL).optLabelColumns("a", "b")
                .build(), "line 2", "column 'b'", "0 or 1");
        assertError(dir, "x,y,label\n1,NaN,0\n", CsvDataset.Builder::build, "line 2", "not a finite number");
        FrostException e = assertThrows(FrostException.class, () -> CsvDataset.read(dir.resolve("none.csv")));
        assertTrue(e.getMessage().contains("none.csv"), e.getMessage());
    }

    private interface Build {
        CsvDataset build(CsvDataset.Builder b);
    }

    private static void assertError(Path dir, String content, Build build, String... expected) throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, content);
        FrostException e = assertThrows(FrostException.class, () -> build.build(CsvDataset.builder(f)));
        String m = e.getMessage();
        assertTrue(m.contains("bad.csv"), m);
        for (String s : expected) {
            assertTrue(m.contains(s), "'" + s + "' missing from: " + m);
        }
        assertFalse(m.contains("\n"), m);
        assertTrue(m.length() < 300, m);
    }

    /** Writes rows of {@code d} standard-normal features and the targets {@code targets(x)}. */
    private static void writeCsv(Path f, String[] header, int rows, int d, long seed,
                                 java.util.function.Function<double[], double[]> targets) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (int r = 0; r < rows; r++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
                sb.append(String.format(Locale.ROOT, "%.6f,", x[j]));
            }
            double[] y = targets.apply(x);
            for (int k = 0; k < y.length; k++) {
                sb.append(String.format(Locale.ROOT, k + 1 < y.length ? "%.6f," : "%.6f", y[k]));
            }
            sb.append('\n');
        }
        Files.writeString(f, sb);
    }

    @Test
    void linearRegressionWithTwoTargetsTrainsToHighHeldOutR2(@TempDir Path dir) throws IOException {
        double[][] w = {{1.5, -2.0, 0.5, 0.0, 3.0}, {-1.0, 0.0, 2.0, 1.0, -0.5}};
        double[] b = {0.7, -1.2};
        SplittableRandom noise = new SplittableRandom(11);
        java.util.function.Function<double[], double[]> truth = x -> {
            double[] y = new double[2];
            for (int k = 0; k < 2; k++) {
                y[k] = b[k] + 0.05 * (noise.nextDouble() - 0.5);
                for (int j = 0; j < 5; j++) {
                    y[k] += w[k][j] * x[j];
                }
            }
            return y;
        };
        String[] header = {"x0", "x1", "x2", "x3", "x4", "y0", "y1"};
        writeCsv(dir.resolve("train.csv"), header, 512, 5, 1, truth);
        writeCsv(dir.resolve("test.csv"), header, 128, 5, 2, truth);
        CsvDataset train = CsvDataset.builder(dir.resolve("train.csv")).optLabelKind(LabelKind.REGRESSION)
                .optLabelColumns("y0", "y1").build();
        CsvDataset test = CsvDataset.builder(dir.resolve("test.csv")).optLabelKind(LabelKind.REGRESSION)
                .optLabelColumns("y0", "y1").build();
        assertNull(train.classNames());
        assertEquals(2, train.labelWidth());
        assertEquals(List.of("x0", "x1", "x2", "x3", "x4"), train.featureColumns());

        TrainConfig config = TrainConfig.builder().setEpochs(40).optBatchSize(32).optLearningRate(0.05)
                .optLoss(Losses.mse()).optProgressBar(false).optMeasureFullStep(false).build();
        try (FrostModel model = FrostModel.builder(new Shape(5)).optSeed(3)
                .addGroup("head", Layers.linear("out", 2)).build()) {
            Trainer t = new Trainer(model, new AdamW(), config);
            FitResult r = t.fit(train, test);
            List<EpochRecord> epochs = r.epochs();
            assertTrue(epochs.get(epochs.size() - 1).trainLoss() < epochs.get(0).trainLoss() / 20,
                    "loss " + epochs.get(0).trainLoss() + " -> " + epochs.get(epochs.size() - 1).trainLoss());
            Evaluation held = t.evaluate(test);
            double r2 = 1 - held.loss() / variance(test);
            assertTrue(r2 > 0.99, "held-out R^2 " + r2);
        }
    }

    /** Mean over targets of each target's variance (what MSE is compared with for R^2). */
    private static double variance(Dataset d) {
        int k = d.labelValues();
        double[] sum = new double[k];
        double[] sq = new double[k];
        for (int i = 0; i < d.size(); i++) {
            float[] y = label(d, i);
            for (int j = 0; j < k; j++) {
                sum[j] += y[j];
                sq[j] += y[j] * (double) y[j];
            }
        }
        double v = 0;
        for (int j = 0; j < k; j++) {
            double mean = sum[j] / d.size();
            v += sq[j] / d.size() - mean * mean;
        }
        return v / k;
    }

    @Test
    void multiLabelColumnsLearnWithTheDefaultBinaryCrossEntropy(@TempDir Path dir) throws IOException {
        // three sparse labels (about 1 in 4 positive), each a linear function of the features
        writeCsv(dir.resolve("tags.csv"), new String[] {"f0", "f1", "f2", "f3", "f4", "f5", "t0", "t1", "t2"}, 600, 6,
                5, x -> new double[] {x[0] + 0.5 * x[3] > 0.8 ? 1 : 0, x[1] - x[4] > 1.0 ? 1 : 0,
                        x[2] > 0.7 ? 1 : 0});
        CsvDataset d = CsvDataset.builder(dir.resolve("tags.csv")).optLabelKind(LabelKind.MULTI_LABEL)
                .optLabelColumns("t0", "t1", "t2").build();
        assertEquals(LabelKind.MULTI_LABEL, d.labelKind());
        assertEquals(3, d.labelValues());
        double positives = 0;
        for (int i = 0; i < d.size(); i++) {
            for (float v : label(d, i)) {
                positives += v;
            }
        }
        double rate = positives / (3.0 * d.size());
        assertTrue(rate > 0.1 && rate < 0.4, "positive rate " + rate);

        TrainConfig config = TrainConfig.builder().setEpochs(30).optBatchSize(32).optLearningRate(0.03)
                .optProgressBar(false).optMeasureFullStep(false).build();
        try (FrostModel model = FrostModel.builder(new Shape(6)).optSeed(4)
                .addGroup("hidden", Layers.linear("fc", 32), Layers.relu("relu"))
                .addGroup("head", Layers.linear("out", 3)).build()) {
            Trainer t = new Trainer(model, new AdamW(), config);
            t.fit(d, null);
            assertEquals("binary_cross_entropy", t.loss().name());
            double f1 = t.evaluate(d).metrics().get("f1");
            // predicting every label positive would score 2r / (1 + r), below 0.6 here
            assertTrue(f1 > 0.9 && f1 > 2 * rate / (1 + rate) + 0.3, "micro-F1 " + f1 + " at positive rate " + rate);
        }
    }
}
