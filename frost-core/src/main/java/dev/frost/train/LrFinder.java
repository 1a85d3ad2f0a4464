package dev.frost.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.data.BatchLoader;
import dev.frost.data.Dataset;
import dev.frost.data.EpochOrder;
import dev.frost.data.HostBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * fastai's {@code lr_find}: trains with a learning rate that grows exponentially from {@code startLr} to
 * {@code endLr}, records the smoothed loss, stops once it exceeds four times its minimum, then puts every weight
 * (BatchNorm statistics included) back and clears the optimizer state. The suggestion is the rate at the steepest
 * descent of the smoothed loss before its minimum (fastai's "steep").
 */
public final class LrFinder {
    /** The sweep: rates, smoothed losses, and the suggested rate. */
    public record Result(double[] learningRates, double[] losses, double suggestion) {
        /** The curve (loss against log learning rate, the suggestion marked) as a self-contained SVG file. */
        public void writeSvg(Path file) {
            try {
                java.nio.file.Files.writeString(file, Svg.lrCurve(learningRates, losses, suggestion));
            } catch (java.io.IOException e) {
                throw new FrostException("cannot write the lr finder curve to " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private LrFinder() {}

    /** The sweep over 100 steps from 1e-7 to 10, as fastai's defaults. */
    public static Result find(Trainer trainer, Dataset data) {
        return find(trainer, data, 1e-7, 10, 100);
    }

    public static Result find(Trainer trainer, Dataset data, double startLr, double endLr, int steps) {
        if (!(startLr > 0 && endLr > startLr) || steps < 5) {
            throw new FrostException("lr finder needs 0 < startLr < endLr and at least 5 steps, got " + startLr
                    + ", " + endLr + ", " + steps);
        }
        var model = trainer.model();
        Map<String, float[]> saved = new LinkedHashMap<>();
        model.stateTensors().forEach((k, p) -> saved.put(k, p.getArray().toFloatArray()));
        List<Double> lrs = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        int bs = trainer.config().batchSize();
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        try {
            int step = 0;
            for (int epoch = 0; step < steps; epoch++) {
                int[] order = EpochOrder.of(data.size(), trainer.config().seed(), epoch, true);
                try (BatchLoader loader = new BatchLoader(data, order, bs, 0, null, 0, 2)) {
                    while (loader.hasNext() && step < steps) {
                        double lr = startLr * Math.pow(endLr / startLr, step / (double) (steps - 1));
                        HostBatch hb = loader.next();
                        double loss;
                        try (NDManager m = model.manager().newSubManager()) {
                            model.applyFreezeState();
                            loss = trainer.trainStep(hb.toEngine(m), lr, model.frozenPrefixLength()).meanLoss();
                        } catch (TrainStep.Diverged d) {
                            step = steps; // the sweep has gone past the usable rates: it ends here
                            continue;
                        }
                        step++;
                        avg = 0.98 * avg + 0.02 * loss;
                        double smooth = avg / (1 - Math.pow(0.98, step));
                        lrs.add(lr);
                        losses.add(smooth);
                        best = Math.min(best, smooth);
                        if (!Double.isFinite(smooth) || (step > 5 && smooth > 4 * best)) {
                            step = steps;
                        }
                    }
                }
            }
        } finally {
            model.stateTensors().forEach((k, p) -> restore(p, saved.get(k)));
            trainer.optimizer().clearState();
        }
        double[] x = lrs.stream().mapToDouble(Double::doubleValue).toArray();
        double[] y = losses.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(x, y, steepest(x, y));
    }

    private static void restore(Parameter p, float[] values) {
        NDArray a = p.getArray();
        try (NDArray src = a.getManager().create(values, a.getShape())) {
            src.copyTo(a);
        }
    }

    /** The rate where the smoothed loss falls fastest against log(rate), up to its minimum. */
    static double steepest(double[] lrs, double[] losses) {
        int min = 0;
        for (int i = 1; i < losses.length; i++) {
            if (Double.isFinite(losses[i]) && losses[i] < losses[min]) {
                min = i;
            }
        }
        int best = 0;
        double steepest = Double.POSITIVE_INFINITY;
        for (int i = 1; i <= min; i++) {
            double slope = (losses[i] - losses[i - 1]) / (Math.log(lrs[i]) - Math.log(lrs[i - 1]));
            if (slope < steepest) {
                steepest = slope;
                best = i;
            }
        }
        return lrs[best];
    }

    /** A small hand-built SVG chart (renders in any browser, no script). */
    static final class Svg {
        private Svg() {}

        static String lrCurve(double[] lrs, double[] losses, double suggestion) {
            int w = 640;
            int h = 400;
            int pad = 50;
            double xMin = Math.log10(lrs[0]);
            double xMax = Math.log10(lrs[lrs.length - 1]);
            double yMin = Double.POSITIVE_INFINITY;
            double yMax = Double.NEGATIVE_INFINITY;
            for (double v : losses) {
                if (Double.isFinite(v)) {
                    yMin = Math.min(yMin, v);
                    yMax = Math.max(yMax, v);
                }
            }
            yMax = Math.min(yMax, yMin + 4 * Math.max(1e-12, Math.abs(yMin)) + 1e-12);
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < lrs.length; i++) {
                if (!Double.isFinite(losses[i])) {
                    continue;
                }
                double px = pad + (Math.log10(lrs[i]) - xMin) / Math.max(1e-12, xMax - xMin) * (w - 2 * pad);
                double py = h - pad - (Math.min(losses[i], yMax) - yMin) / Math.max(1e-12, yMax - yMin)
                        * (h - 2 * pad);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            double sx = pad + (Math.log10(suggestion) - xMin) / Math.max(1e-12, xMax - xMin) * (w - 2 * pad);
            return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">"
                    + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>"
                    + "<text x=\"%d\" y=\"20\" font-family=\"sans-serif\" font-size=\"14\">loss vs learning rate"
                    + " (log scale); suggested %.2e</text>"
                    + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                    + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%.0e</text>"
                    + "<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%.0e</text>"
                    + "<polyline fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\" points=\"%s\"/>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"crimson\" stroke-dasharray=\"4\"/>"
                    + "</svg>\n", w, h, pad, suggestion, pad, h - pad, w - pad, h - pad, pad, pad, pad, h - pad,
                    pad, h - pad + 15, lrs[0], w - pad - 20, h - pad + 15, lrs[lrs.length - 1], pts, sx, pad, sx,
                    h - pad);
        }
    }
}
