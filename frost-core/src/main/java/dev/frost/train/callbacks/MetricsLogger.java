package dev.frost.train.callbacks;

import dev.frost.FrostException;
import dev.frost.train.Callback;
import dev.frost.train.EpochRecord;
import dev.frost.train.TrainingContext;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keras's CSVLogger, plus JSON lines: one row per epoch, appended and flushed as soon as the epoch ends, so a crash
 * loses nothing already written. The format follows the file name: {@code .csv} or {@code .jsonl}.
 */
public final class MetricsLogger implements Callback {
    private final Path file;
    private final boolean json;
    private List<String> columns;

    public MetricsLogger(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".csv") && !name.endsWith(".jsonl")) {
            throw new FrostException("metrics log " + file + ": use a .csv or .jsonl file name");
        }
        this.file = file;
        this.json = name.endsWith(".jsonl");
    }

    @Override
    public void beforeFit(TrainingContext ctx) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            throw new FrostException("cannot create the folder of metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        if (ctx.trainer().progress().stepInEpoch() != 0) {
            return; // an epoch stopped part-way: its row is written when a resumed run completes it
        }
        EpochRecord r = ctx.history().get(ctx.history().size() - 1);
        Map<String, Double> row = new java.util.LinkedHashMap<>();
        row.put("epoch", (double) r.epoch() + 1);
        row.put("train_loss", r.trainLoss());
        r.trainMetrics().forEach((k, v) -> row.put("train_" + k, v));
        row.put("valid_loss", r.validLoss());
        r.validMetrics().forEach((k, v) -> row.put("valid_" + k, v));
        row.put("seconds", r.trainSeconds());
        row.put("executed_gflop", r.executedFlops() / 1e9);
        row.put("full_gflop", r.fullFlops() / 1e9);
        row.put("frozen_groups", (double) r.frozenGroups());
        row.put("lr", ctx.lastLearningRate());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (json) {
                List<String> parts = new ArrayList<>();
                row.forEach((k, v) -> parts.add("\"" + k + "\":" + number(v)));
                w.write("{" + String.join(",", parts) + "}\n");
            } else {
                if (columns == null) { // a file that has rows keeps its header: a resumed run writes under it
                    String header = null;
                    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        header = in.readLine();
                    }
                    boolean fresh = header == null || header.isBlank();
                    columns = fresh ? new ArrayList<>(row.keySet()) : List.of(header.split(",", -1));
                    if (fresh) {
                        w.write(String.join(",", columns) + "\n");
                    }
                }
                List<String> cells = new ArrayList<>();
                columns.forEach(c -> cells.add(row.containsKey(c) ? plain(row.get(c)) : ""));
                w.write(String.join(",", cells) + "\n");
            }
        } catch (IOException e) {
            throw new FrostException("cannot append to metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    private static String number(double v) {
        return Double.isFinite(v) ? plain(v) : "null";
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
