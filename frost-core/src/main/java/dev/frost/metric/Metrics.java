package dev.frost.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.frost.FrostException;
import dev.frost.data.LabelKind;

import java.util.List;

/**
 * The standard metrics. Classification metrics read raw outputs: the arg-max class for class ids, a positive logit
 * for multi-label outputs. Every metric is NaN for a pass in which the model produced a non-finite output.
 */
public final class Metrics {
    private Metrics() {}

    /** What a dataset's label kind calls for: accuracy; F1 (micro); MAE and RMSE. */
    public static List<Metric> defaultsFor(LabelKind kind) {
        return switch (kind) {
            case CLASS -> List.of(accuracy());
            case MULTI_LABEL -> List.of(accuracy(), f1());
            case REGRESSION -> List.of(mae(), rmse());
        };
    }

    /** Class ids: share of arg-max hits. Multi-label: share of labels whose sign of logit matches. */
    public static Metric accuracy() {
        return counting("accuracy", (p, y, s) -> {
            if (isClassIds(y)) {
                s[0] += p.argMax(-1).eq(y).toType(DataType.INT64, false).sum().getLong();
                s[1] += y.size();
            } else {
                s[0] += p.gt(0f).eq(y.gt(0.5f)).toType(DataType.INT64, false).sum().getLong();
                s[1] += y.size();
            }
        }, s -> s[0] / s[1]);
    }

    /** Class ids: share of examples whose class is among the {@code k} highest outputs. */
    public static Metric topK(int k) {
        if (k <= 0) {
            throw new FrostException("top-k needs k >= 1, got " + k);
        }
        return counting("top" + k + "_accuracy", (p, y, s) -> {
            requireClassIds("top-k", y);
            NDArray trueLogit = p.gather(y.reshape(-1, 1), 1);
            NDArray higher = p.gt(trueLogit).toType(DataType.INT64, false).sum(new int[] {1});
            s[0] += higher.lt(k).toType(DataType.INT64, false).sum().getLong();
            s[1] += y.size();
        }, s -> s[0] / s[1]);
    }

    /** Precision of the positive class (class 1 of two) or, multi-label, micro-averaged over labels. */
    public static Metric precision() {
        return confusion("precision", s -> s[0] / (s[0] + s[1]));
    }

    /** Recall of the positive class (class 1 of two) or, multi-label, micro-averaged over labels. */
    public static Metric recall() {
        return confusion("recall", s -> s[0] / (s[0] + s[2]));
    }

    /** F1 of the positive class (class 1 of two) or, multi-label, micro-averaged over labels. */
    public static Metric f1() {
        return confusion("f1", s -> 2 * s[0] / (2 * s[0] + s[1] + s[2]));
    }

    public static Metric mae() {
        return counting("mae", (p, y, s) -> {
            s[0] += p.sub(y.reshape(p.getShape())).abs().sum().toType(DataType.FLOAT64, false).getDouble();
            s[1] += p.size();
        }, s -> s[0] / s[1]);
    }

    public static Metric rmse() {
        return counting("rmse", (p, y, s) -> {
            s[0] += p.sub(y.reshape(p.getShape())).square().sum().toType(DataType.FLOAT64, false).getDouble();
            s[1] += p.size();
        }, s -> Math.sqrt(s[0] / s[1]));
    }

    private static Metric confusion(String name, java.util.function.ToDoubleFunction<double[]> value) {
        return counting(name, (p, y, s) -> {
            NDArray pred;
            NDArray truth;
            if (isClassIds(y)) {
                if (p.getShape().get(p.getShape().dimension() - 1) != 2) {
                    throw new FrostException(name + " on class ids needs two classes (class 1 is positive), got "
                            + p.getShape().get(p.getShape().dimension() - 1) + " outputs");
                }
                pred = p.argMax(-1).eq(1L);
                truth = y.eq(1L);
            } else {
                pred = p.gt(0f);
                truth = y.gt(0.5f);
            }
            s[0] += pred.logicalAnd(truth).toType(DataType.INT64, false).sum().getLong();
            s[1] += pred.logicalAnd(truth.logicalNot()).toType(DataType.INT64, false).sum().getLong();
            s[2] += pred.logicalNot().logicalAnd(truth).toType(DataType.INT64, false).sum().getLong();
        }, value);
    }

    private static boolean isClassIds(NDArray labels) {
        return labels.getDataType() == DataType.INT64 || labels.getDataType() == DataType.INT32;
    }

    private static void requireClassIds(String what, NDArray labels) {
        if (!isClassIds(labels)) {
            throw new FrostException(what + " needs class-id labels, got " + labels.getDataType() + " "
                    + labels.getShape());
        }
    }

    /** Updates running sums from one batch. */
    @FunctionalInterface
    private interface Update {
        void add(NDArray predictions, NDArray labels, double[] sums);
    }

    private static Metric counting(String name, Update update, java.util.function.ToDoubleFunction<double[]> value) {
        return new Metric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Accumulator newAccumulator() {
                double[] sums = new double[3];
                boolean[] nonFinite = new boolean[1];
                return new Accumulator() {
                    @Override
                    public void add(NDArray predictions, NDArray labels) {
                        if (!nonFinite[0] && !allFinite(predictions)) {
                            nonFinite[0] = true;
                        }
                        update.add(predictions, labels, sums);
                    }

                    @Override
                    public double value() {
                        return nonFinite[0] ? Double.NaN : value.applyAsDouble(sums);
                    }
                };
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private static boolean allFinite(NDArray a) {
        return a.isNaN().logicalOr(a.isInfinite()).none().getBoolean();
    }

    /** Checks that a metric fits the label kind before any work is done (top-k needs class ids). */
    public static void check(Metric m, LabelKind kind) {
        String n = m.name();
        if (n.startsWith("top") && kind != LabelKind.CLASS) {
            throw new FrostException("metric " + n + " needs class labels, the dataset has " + kind);
        }
        boolean classifies = n.equals("accuracy") || n.equals("precision") || n.equals("recall") || n.equals("f1");
        if (classifies && kind == LabelKind.REGRESSION) {
            throw new FrostException("metric " + n + " needs class or multi-label targets, the dataset has"
                    + " regression targets (use mae or rmse)");
        }
        if ((n.equals("mae") || n.equals("rmse")) && kind != LabelKind.REGRESSION) {
            throw new FrostException("metric " + n + " needs regression targets, the dataset has " + kind
                    + " labels (use accuracy, precision, recall or f1)");
        }
    }
}
