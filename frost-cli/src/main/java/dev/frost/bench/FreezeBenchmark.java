package dev.frost.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * {@code frost bench freeze}: median step time of an MLP 784-1024x3-10 (batch 256) and the BatchNorm CNN (batch 128)
 * with nothing frozen, all but the head frozen, half the groups frozen, and forward only. Each frozen step is compared
 * with its ideal, measured in the same run: the forward pass of the frozen part (no autograd) plus a full step of the
 * trainable part on precomputed activations. Modes are interleaved within each repeat so drift hits all alike.
 */
public final class FreezeBenchmark {
    static final String FULL = "full";
    static final String HEAD_ONLY = "head-only";
    static final String HALF = "half";
    static final String FORWARD = "forward";
    private static final List<String> MODES = List.of(FULL, HEAD_ONLY, HALF, FORWARD);

    /** What to run. */
    public record Options(List<String> workloads, int repeats, int warmup, boolean peer, String python, int threads) {
        public Options {
            if (repeats < 1 || warmup < 0) {
                throw new FrostException("--repeats must be >= 1 and --warmup >= 0, got " + repeats + " and " + warmup);
            }
            for (String w : workloads) {
                if (!w.equals("mlp") && !w.equals("cnn")) {
                    throw new FrostException("unknown workload '" + w + "': use mlp, cnn or both");
                }
            }
        }
    }

    /** One line of the table. Times in ms; NaN where a column does not apply. */
    public record Row(String workload, int batch, String mode, int frozenGroups, double frostMs, double prefixMs,
                      double suffixMs, double idealMs, double frostOverIdeal, double frozenOverFull, double torchMs,
                      double frostOverTorch) {}

    /** The whole result. */
    public record Report(List<Row> rows, String peer, int threads, int repeats, int warmup) {}

    private FreezeBenchmark() {}

    public static Report run(Options o) {
        List<Row> rows = new ArrayList<>();
        List<Map<String, Object>> specs = new ArrayList<>();
        for (String w : o.workloads()) {
            int batch = w.equals("mlp") ? 256 : 128;
            specs.add(Map.of("name", w, "batch", batch, "repeats", o.repeats(), "warmup", o.warmup()));
        }
        // The peer runs before and after Frost and its medians pool both runs, so slow drift of a noisy machine
        // does not favour either side.
        Optional<TorchPeer.Result> before = o.peer() ? TorchPeer.run(o.python(), specs, o.threads()) : Optional.empty();
        List<List<Row>> frost = new ArrayList<>();
        for (Map<String, Object> spec : specs) {
            frost.add(runWorkload((String) spec.get("name"), (Integer) spec.get("batch"), o));
        }
        Optional<TorchPeer.Result> after = before.isPresent() ? TorchPeer.run(o.python(), specs, o.threads())
                : Optional.empty();
        for (List<Row> workloadRows : frost) {
            for (Row row : workloadRows) {
                double torchMs = Double.NaN;
                if (before.isPresent() && after.isPresent()) {
                    double[] a = before.get().times(row.workload(), row.mode());
                    double[] b = after.get().times(row.workload(), row.mode());
                    double[] both = java.util.Arrays.copyOf(a, a.length + b.length);
                    System.arraycopy(b, 0, both, a.length, b.length);
                    torchMs = Medians.of(both);
                }
                rows.add(new Row(row.workload(), row.batch(), row.mode(), row.frozenGroups(), row.frostMs(),
                        row.prefixMs(), row.suffixMs(), row.idealMs(), row.frostOverIdeal(), row.frozenOverFull(),
                        torchMs, row.frostMs() / torchMs));
            }
        }
        String peerName = after.map(p -> "PyTorch " + p.torchVersion() + " (run before and after Frost)")
                .orElse("none");
        return new Report(rows, peerName, o.threads(), o.repeats(), o.warmup());
    }

    private static List<Row> runWorkload(String workload, int batch, Options o) {
        try (FrostModel model = workload.equals("mlp") ? Models.mlp(784, new int[] {1024, 1024, 1024}, 10, 0)
                : Models.cnn(10, 0);
             NDManager data = model.manager().newSubManager()) {
            int groups = model.groups().size();
            Map<String, Integer> frozen = new LinkedHashMap<>();
            frozen.put(FULL, 0);
            frozen.put(HEAD_ONLY, groups - 1);
            frozen.put(HALF, groups / 2);
            NDArray x = data.randomNormal(new Shape(batch).addAll(model.inputShape()));
            NDArray y = data.randomInteger(0, 10, new Shape(batch), ai.djl.ndarray.types.DataType.INT64);
            TrainConfig cfg = TrainConfig.builder().optBatchSize(batch).optProgressBar(false).build();
            Map<String, Trainer> trainers = new LinkedHashMap<>();
            frozen.keySet().forEach(m -> trainers.put(m, new Trainer(model, new AdamW(), cfg)));

            Map<String, double[]> times = new LinkedHashMap<>();
            for (String m : MODES) {
                times.put(m, new double[o.repeats()]);
                times.put(m + "/prefix", new double[o.repeats()]);
                times.put(m + "/suffix", new double[o.repeats()]);
            }
            for (int r = 0; r < o.warmup() + o.repeats(); r++) {
                int slot = r - o.warmup();
                for (String mode : MODES) {
                    if (mode.equals(FORWARD)) {
                        model.unfreeze();
                        model.applyFreezeState();
                        record(times, mode, slot, () -> timed(x, () -> Autograd.withoutRecording(
                                () -> model.forward(x, true, 0, model.layers().size()))));
                        continue;
                    }
                    model.freezeTo(frozen.get(mode));
                    model.applyFreezeState();
                    int prefix = model.frozenPrefixLength();
                    Trainer t = trainers.get(mode);
                    record(times, mode, slot, () -> timed(x, () -> t.trainStep(x, y, 1e-4, prefix)));
                    if (prefix > 0) {
                        record(times, mode + "/prefix", slot, () -> timed(x,
                                () -> model.runFrozen(x, 0, prefix)));
                        try (NDManager s = data.newSubManager()) {
                            x.tempAttach(s);
                            NDArray h = model.runFrozen(x, 0, prefix);
                            y.tempAttach(s);
                            record(times, mode + "/suffix", slot, () -> {
                                long t0 = System.nanoTime();
                                t.trainFrom(h, y, 1e-4, prefix);
                                return (System.nanoTime() - t0) / 1e6;
                            });
                        }
                    }
                }
            }
            double fullMs = Medians.of(times.get(FULL));
            List<Row> rows = new ArrayList<>();
            for (String mode : MODES) {
                double ms = Medians.of(times.get(mode));
                boolean hasIdeal = !mode.equals(FULL) && !mode.equals(FORWARD);
                double prefixMs = hasIdeal ? Medians.of(times.get(mode + "/prefix")) : Double.NaN;
                double suffixMs = hasIdeal ? Medians.of(times.get(mode + "/suffix")) : Double.NaN;
                double ideal = prefixMs + suffixMs;
                rows.add(new Row(workload, batch, mode, mode.equals(FORWARD) ? -1 : frozen.get(mode), ms, prefixMs,
                        suffixMs, ideal, ms / ideal, ms / fullMs, Double.NaN, Double.NaN));
            }
            return rows;
        }
    }

    private static void record(Map<String, double[]> times, String key, int slot, DoubleSupplier measurement) {
        double ms = measurement.getAsDouble();
        if (slot >= 0) {
            times.get(key)[slot] = ms;
        }
    }

    /** Milliseconds of {@code body}; its temporaries go to a scope that is closed afterwards. */
    private static double timed(NDArray input, Runnable body) {
        try (NDManager s = input.getManager().newSubManager()) {
            input.tempAttach(s);
            long t0 = System.nanoTime();
            body.run();
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** The table as printed by the CLI. */
    public static String format(Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Freezing benchmark: median of %d repeats (%d warm-up), %d threads,"
                + " peer: %s%n", r.repeats(), r.warmup(), r.threads(), r.peer()));
        String fmt = "%-9s %-10s %6s %10s %10s %12s %12s %10s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "workload", "mode", "frozen", "frost ms", "ideal ms",
                "frost/ideal", "frozen/full", "torch ms", "frost/torch"));
        for (Row row : r.rows()) {
            sb.append(String.format(Locale.ROOT, fmt, row.workload() + " b" + row.batch(), row.mode(),
                    row.frozenGroups() < 0 ? "-" : String.valueOf(row.frozenGroups()), num(row.frostMs()),
                    num(row.idealMs()), ratio(row.frostOverIdeal()), ratio(row.frozenOverFull()),
                    num(row.torchMs()), ratio(row.frostOverTorch())));
        }
        sb.append("ideal = forward of the frozen part without autograd + full step of the trainable part on its"
                + " activations (both measured here); targets: frost/ideal <= 1.05, full frost/torch <= 1.0\n");
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
