package dev.frost.cli.train;

import dev.frost.FrostException;
import dev.frost.data.Dataset;
import dev.frost.data.HostBatch;
import dev.frost.data.LabelKind;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;

import java.util.List;

/**
 * {@code data.csv.standardize}: the training split's per-column mean and standard deviation, kept in the run's state
 * and built into the model as parameter-free layers (inputs standardized in the first group; regression outputs
 * mapped back to the targets' units in the head), so evaluate, predict and exported checkpoints see raw values and
 * report metrics in the targets' units. Null lists: that side is not scaled.
 */
public record Scaling(List<Double> featureMean, List<Double> featureStd, List<Double> targetMean,
                      List<Double> targetStd) {

    /** none, features, or all (features and, for regression, targets). */
    static Scaling of(RunSpec spec, Dataset train) {
        String mode = spec.data().csv().standardize();
        if (mode != null && !List.of("none", "features", "all").contains(mode)) {
            throw new FrostException("data.csv.standardize must be none, features or all, got '" + mode + "'");
        }
        if (!DataSources.isCsv(spec.data()) || mode == null || mode.equals("none")) {
            return null;
        }
        HostBatch hb = HostBatch.read(train, allOf(train.size()), null, 0);
        int width = Math.toIntExact(train.exampleShape().size());
        double[][] f = moments(hb.featureValues(), width);
        double[][] t = mode.equals("all") && train.labelKind() == LabelKind.REGRESSION
                ? moments(hb.labelValues(), train.labelValues()) : null;
        return new Scaling(list(f[0]), list(f[1]), t == null ? null : list(t[0]), t == null ? null : list(t[1]));
    }

    /** The layer that standardizes inputs, {@code (x - mean) / std}, or null. */
    Layer inputLayer() {
        return featureMean == null ? null : affine("standardize", featureMean, featureStd, true);
    }

    /** The layer that maps standardized outputs back to the targets' units, {@code y * std + mean}, or null. */
    Layer outputLayer() {
        return targetMean == null ? null : affine("destandardize", targetMean, targetStd, false);
    }

    private static Layer affine(String name, List<Double> mean, List<Double> std, boolean standardize) {
        int n = mean.size();
        float[] scale = new float[n];
        float[] shift = new float[n];
        for (int i = 0; i < n; i++) {
            scale[i] = (float) (standardize ? 1 / std.get(i) : std.get(i));
            shift[i] = (float) (standardize ? -mean.get(i) / std.get(i) : mean.get(i));
        }
        return Layers.affine(name, scale, shift);
    }

    private static int[] allOf(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }

    /** Per-column mean and standard deviation (a constant column gets 1, so it maps to 0 rather than NaN). */
    private static double[][] moments(float[] values, int width) {
        int rows = values.length / width;
        double[] mean = new double[width];
        double[] std = new double[width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                mean[c] += values[r * width + c];
            }
        }
        for (int c = 0; c < width; c++) {
            mean[c] /= Math.max(1, rows);
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                double d = values[r * width + c] - mean[c];
                std[c] += d * d;
            }
        }
        for (int c = 0; c < width; c++) {
            double s = Math.sqrt(std[c] / Math.max(1, rows));
            std[c] = s > 1e-12 && Double.isFinite(s) ? s : 1;
        }
        return new double[][] {mean, std};
    }

    private static List<Double> list(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }
}
