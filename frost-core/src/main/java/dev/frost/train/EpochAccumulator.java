package dev.frost.train;

import dev.frost.metric.Evaluation;
import dev.frost.metric.Metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sums of one epoch: loss, metrics, time, FLOPs executed against full training. */
final class EpochAccumulator {
    final List<Metric> metricDefs;
    final List<Metric.Accumulator> metrics;
    double lossSum;
    long examples;
    long steps;
    double seconds;
    double fullSeconds;
    long fwd;
    long bwd;
    long fullFwd;
    long fullBwd;
    boolean lastStepHadFrozen;
    boolean reportedNonFinite;
    int frozenGroups;
    int prefixLayers;

    EpochAccumulator(List<Metric> defs) {
        this.metricDefs = defs;
        this.metrics = defs.stream().map(Metric::newAccumulator).toList();
    }

    void addFlops(StepFlops f) {
        fwd += f.forward();
        bwd += f.backward();
        fullFwd += f.fullForward();
        fullBwd += f.fullBackward();
    }

    void addStep(StepResult r, double stepSeconds, double fullStepSeconds) {
        lossSum += r.lossSum();
        examples += r.examples();
        steps++;
        seconds += stepSeconds;
        fullSeconds += fullStepSeconds;
    }

    EpochRecord toRecord(int epoch, Evaluation v, Map<String, Double> lrs) {
        Map<String, Double> train = new LinkedHashMap<>();
        for (int i = 0; i < metricDefs.size(); i++) {
            train.put(metricDefs.get(i).name(), metrics.get(i).value());
        }
        return new EpochRecord(epoch, examples == 0 ? Double.NaN : lossSum / examples,
                v == null ? Double.NaN : v.loss(), train, v == null ? Map.of() : v.metrics(),
                seconds, fullSeconds, steps, fwd, bwd, fullFwd, fullBwd, frozenGroups, prefixLayers, lrs);
    }
}
