package dev.frost.cli.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.CsvDataset;
import dev.frost.data.Dataset;
import dev.frost.io.Checkpoints;
import dev.frost.lora.LoraModel;
import dev.frost.model.FrostModel;

import java.nio.file.Files;
import java.nio.file.Path;
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

    /** What {@code frost predict} reads: the run's kind of data, without labels. */
    public static Dataset unlabelled(Loaded run, Path data) {
        return run.spec().data().type().equals("csv") ? csvFeatures(run, data)
                : DataSources.unlabelled(run.spec().data(), "--data", data, run.state().classNames());
    }

    /**
     * A CSV's feature columns (label columns may be absent), read as training reads a CSV (quotes, BOM, finite
     * numbers, whole rows), as an unlabelled dataset; row ids are record numbers.
     */
    public static Dataset csvFeatures(Loaded run, Path file) {
        RunSpec.Csv c = run.spec().data().csv();
        List<String> features = run.state().featureColumns();
        int width = run.state().inputShape().get(0).intValue();
        if (features.size() != width) {
            throw new FrostException("--data " + file + ": the run's feature columns " + features + " do not match"
                    + " the model's " + width + " inputs");
        }
        try {
            return CsvDataset.builder(file).optNoLabels().optFeatureColumns(features.toArray(String[]::new))
                    .optDelimiter(c.delimiter().charAt(0)).build();
        } catch (FrostException e) {
            throw new FrostException("--data: " + e.getMessage(), e);
        }
    }
}
