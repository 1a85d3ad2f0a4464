package dev.frost.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.engine.FrostEngine;
import dev.frost.engine.GcPoison;
import dev.frost.metric.Metric;
import dev.frost.metric.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each loss and metric against the same quantity computed in plain Java from its definition. */
class LossesAndMetricsTest {
    private static NDManager m;
    private static final int N = 7;
    private static final int C = 4;
    private static final float[] LOGITS = new float[N * C];
    private static final long[] IDS = new long[N];
    private static final float[] MULTI = new float[N * C];

    @BeforeAll
    static void setUp() {
        m = FrostEngine.newManager();
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < LOGITS.length; i++) {
            LOGITS[i] = (float) (r.nextDouble() * 6 - 3);
            MULTI[i] = r.nextBoolean() ? 1f : 0f;
        }
        for (int i = 0; i < N; i++) {
            IDS[i] = r.nextInt(C);
        }
    }

    @AfterAll
    static void tearDown() {
        m.close();
    }

    private static NDArray logits() {
        return m.create(LOGITS, new Shape(N, C));
    }

    private static double logSoftmax(int i, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < C; j++) {
            max = Math.max(max, LOGITS[i * C + j]);
        }
        double sum = 0;
        for (int j = 0; j < C; j++) {
            sum += Math.exp(LOGITS[i * C + j] - max);
        }
        return LOGITS[i * C + c] - max - Math.log(sum);
    }

    @Test
    void crossEntropyWithAndWithoutLabelSmoothing() {
        double eps = 0.1;
        double plain = 0;
        double smooth = 0;
        for (int i = 0; i < N; i++) {
            plain -= logSoftmax(i, (int) IDS[i]);
            for (int c = 0; c < C; c++) {
                double target = (c == IDS[i] ? 1 - eps : 0) + eps / C;
                smooth -= target * logSoftmax(i, c);
            }
        }
        assertEquals(plain / N, Losses.softmaxCrossEntropy().compute(logits(), m.create(IDS)).getFloat(), 1e-5);
        assertEquals(smooth / N, Losses.softmaxCrossEntropy(eps).compute(logits(), m.create(IDS)).getFloat(), 1e-5);
        assertThrows(FrostException.class, () -> Losses.softmaxCrossEntropy(1.0));
    }

    @Test
    void binaryCrossEntropyIsStableAndMatchesItsDefinition() {
        double expected = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            double p = 1 / (1 + Math.exp(-LOGITS[i]));
            expected -= MULTI[i] * Math.log(p) + (1 - MULTI[i]) * Math.log(1 - p);
        }
        NDArray y = m.create(MULTI, new Shape(N, C));
        assertEquals(expected / LOGITS.length, Losses.binaryCrossEntropy().compute(logits(), y).getFloat(), 1e-5);
        // a confident wrong logit of 200 would overflow exp; the stable form gives 200
        float huge = Losses.binaryCrossEntropy().compute(m.create(new float[] {200f}, new Shape(1, 1)),
                m.create(new float[] {0f}, new Shape(1, 1))).getFloat();
        assertEquals(200f, huge, 1e-3);
    }

    @Test
    void regressionLosses() {
        float[] p = {1f, -2f, 0.5f, 4f};
        float[] t = {0f, 0f, 0.25f, 1f};
        double mse = 0;
        double l1 = 0;
        double huber = 0;
        for (int i = 0; i < p.length; i++) {
            double d = Math.abs(p[i] - t[i]);
            mse += d * d;
            l1 += d;
            huber += d <= 1 ? 0.5 * d * d : d - 0.5;
        }
        NDArray pa = m.create(p, new Shape(4, 1));
        NDArray ta = m.create(t, new Shape(4, 1));
        assertEquals(mse / 4, Losses.mse().compute(pa, ta).getFloat(), 1e-6);
        assertEquals(l1 / 4, Losses.l1().compute(pa, ta).getFloat(), 1e-6);
        assertEquals(huber / 4, Losses.huber(1.0).compute(pa, ta).getFloat(), 1e-6);
    }

    @Test
    void lossGradientsSurviveACollectionBetweenForwardAndBackward() {
        Map<Loss, NDArray> cases = Map.of(Losses.softmaxCrossEntropy(0.1), m.create(IDS),
                Losses.binaryCrossEntropy(), m.create(MULTI, new Shape(N, C)),
                Losses.huber(0.5), m.create(MULTI, new Shape(N, C)));
        cases.forEach((loss, y) -> {
            for (int rep = 0; rep < 3; rep++) {
                float[] clean = GcPoison.gradients(new NDList(logits()), x -> loss.compute(x.get(0), y), false).get(0);
                float[] poisoned = GcPoison.gradients(new NDList(logits()), x -> loss.compute(x.get(0), y), true)
                        .get(0);
                assertArrayEquals(clean, poisoned, loss.name());
            }
        });
    }

    private static double value(Metric metric, NDArray p, NDArray y) {
        Metric.Accumulator a = metric.newAccumulator();
        // two batches, to check that the sums run across batches
        a.add(p.get("0:3"), y.get("0:3"));
        a.add(p.get("3:"), y.get("3:"));
        return a.value();
    }

    @Test
    void classificationMetricsFromTheirDefinitions() {
        int hits = 0;
        int top2 = 0;
        for (int i = 0; i < N; i++) {
            int best = 0;
            int higher = 0;
            for (int c = 0; c < C; c++) {
                if (LOGITS[i * C + c] > LOGITS[i * C + best]) {
                    best = c;
                }
                if (LOGITS[i * C + c] > LOGITS[i * C + (int) IDS[i]]) {
                    higher++;
                }
            }
            hits += best == IDS[i] ? 1 : 0;
            top2 += higher < 2 ? 1 : 0;
        }
        assertEquals(hits / (double) N, value(Metrics.accuracy(), logits(), m.create(IDS)), 1e-12);
        assertEquals(top2 / (double) N, value(Metrics.topK(2), logits(), m.create(IDS)), 1e-12);
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            boolean pred = LOGITS[i] > 0;
            boolean truth = MULTI[i] > 0.5f;
            tp += pred && truth ? 1 : 0;
            fp += pred && !truth ? 1 : 0;
            fn += !pred && truth ? 1 : 0;
        }
        NDArray y = m.create(MULTI, new Shape(N, C));
        assertEquals(tp / (double) (tp + fp), value(Metrics.precision(), logits(), y), 1e-12);
        assertEquals(tp / (double) (tp + fn), value(Metrics.recall(), logits(), y), 1e-12);
        assertEquals(2.0 * tp / (2 * tp + fp + fn), value(Metrics.f1(), logits(), y), 1e-12);
        // four classes are not a binary problem
        assertThrows(FrostException.class, () -> value(Metrics.f1(), logits(), m.create(IDS)));
    }

    @Test
    void regressionMetricsAndNonFiniteOutputs() {
        float[] p = {1f, -2f, 0.5f, 4f};
        float[] t = {0f, 0f, 0.25f, 1f};
        double abs = 0;
        double sq = 0;
        for (int i = 0; i < p.length; i++) {
            abs += Math.abs(p[i] - t[i]);
            sq += (p[i] - t[i]) * (p[i] - t[i]);
        }
        NDArray pa = m.create(p, new Shape(4, 1));
        NDArray ta = m.create(t, new Shape(4, 1));
        assertEquals(abs / 4, value(Metrics.mae(), pa, ta), 1e-6);
        assertEquals(Math.sqrt(sq / 4), value(Metrics.rmse(), pa, ta), 1e-6);
        NDArray nan = m.create(new float[] {Float.NaN, 0f, 0f, 0f}, new Shape(4, 1));
        assertTrue(Double.isNaN(value(Metrics.mae(), nan, ta)));
        float[] bad = LOGITS.clone();
        bad[0] = Float.POSITIVE_INFINITY;
        assertTrue(Double.isNaN(value(Metrics.accuracy(), m.create(bad, new Shape(N, C)), m.create(IDS))),
                "the accuracy of a non-finite model is NaN, not a number");
    }
}
