package dev.frost.cli.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Dataset;
import dev.frost.io.Checkpoints;
import dev.frost.lora.LoraModel;
import dev.frost.model.FrostModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A finished (or stopped) run's model and data readers, for {@code frost evaluate} and {@code frost predict}. */
public final class RunModels {
    /**
     * The run's config and state, and its model with the chosen checkpoint loaded; {@code lora} is the model's LoRA
     * view for {@code strategy: lora} runs (PEFT files, merge), else null. Closing {@code model} frees both.
     */
    public record Loaded(RunSpec spec, RunFiles.State state, FrostModel model, Path checkpoint, LoraModel lora) {}

    private RunModels() {}

    /** {@code which}: best (by the run's monitored metric; the latest when none was marked) or latest. */
    public static Loaded load(Path runDir, String which) {
        if (!which.equals("best") && !which.equals("latest")) {
            throw new FrostException("--checkpoint must be best or latest, got '" + which + "'");
        }
        RunFiles.State st = RunFiles.state(runDir);
        RunSpec spec = ConfigLoader.load(runDir.resolve(RunFiles.CONFIG), List.of()).spec();
        Path ck = null;
        for (int i = st.phases().size() - 1; i >= 0 && ck == null; i--) {
            if (TrainRun.hasCheckpoint(runDir, st.phases().get(i))) {
                ck = runDir.resolve(RunFiles.CHECKPOINTS).resolve(st.phases().get(i));
            }
        }
        if (ck == null) {
            throw new FrostException("run " + runDir + " has no checkpoint yet");
        }
        long[] shape = st.inputShape().stream().mapToLong(Long::longValue).toArray();
        ModelFactory.Built built = ModelFactory.buildAdapted(spec, new Shape(shape), st.outputs(), false, st.scaling());
        FrostModel model = built.model();
        LoraModel lora = built.lora();
        try {
            if (which.equals("best") && Files.isRegularFile(ck.resolve("BEST"))) {
                Checkpoints.loadBest(ck, model);
            } else {
                Checkpoints.loadModel(ck, model);
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return new Loaded(spec, st, model, ck, lora);
    }

    /** A labelled source read as training read it (class ids as in training). */
    public static Dataset labelled(Loaded run, Path data) {
        return DataSources.read(run.spec().data(), "--data", data, run.state().classNames());
    }

    /** A CSV's feature columns (label columns may be absent), as an unlabelled dataset; row ids are line numbers. */
    public static Dataset csvFeatures(Loaded run, Path file) {
        RunSpec.Csv c = run.spec().data().csv();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FrostException("--data " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new FrostException("--data " + file + " is empty: expected a header row");
        }
        String delim = java.util.regex.Pattern.quote(c.delimiter());
        List<String> header = Arrays.stream(lines.get(0).split(delim, -1)).map(RunModels::unquote).toList();
        List<String> features = new ArrayList<>(run.state().featureColumns());
        int width = run.state().inputShape().get(0).intValue();
        if (features.size() != width) {
            throw new FrostException("--data " + file + " has feature columns " + features + " but the model reads "
                    + width + " features");
        }
        int[] at = new int[width];
        for (int j = 0; j < width; j++) {
            at[j] = header.indexOf(features.get(j));
            if (at[j] < 0) {
                throw new FrostException("--data " + file + " has no column '" + features.get(j) + "'");
            }
        }
        List<float[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(delim, -1);
            float[] row = new float[width];
            for (int j = 0; j < width; j++) {
                try {
                    row[j] = Float.parseFloat(unquote(at[j] < f.length ? f[at[j]] : ""));
                } catch (NumberFormatException e) {
                    throw new FrostException("--data " + file + " line " + (i + 1) + ", column '" + features.get(j)
                            + "': not a number");
                }
            }
            rows.add(row);
        }
        float[] flat = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * width, width);
        }
        return ArrayDataset.regression(file.getFileName().toString(), flat, new Shape(width), new float[rows.size()], 1);
    }

    private static String unquote(String s) {
        String t = s.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }
}
