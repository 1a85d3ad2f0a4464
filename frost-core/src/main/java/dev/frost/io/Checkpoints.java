package dev.frost.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.policy.FreezePolicy;
import dev.frost.train.Callback;
import dev.frost.train.Progress;
import dev.frost.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saves and loads checkpoints in a folder. Each save is a complete new version ({@code model.safetensors},
 * {@code optimizer.safetensors}, {@code checkpoint.json}) published by atomically replacing a pointer
 * ({@link CheckpointStore}), so a crash at any instant leaves the previous checkpoint loadable; the last few versions
 * and the best are kept. Loading is all-or-nothing: the manifest is validated field by field, every file against its
 * checksum, every tensor against the model, and (for a resume) the optimizer, seed, schedule and batch size against
 * the trainer, before anything is overwritten. A non-finite model is never written.
 */
public final class Checkpoints {
    public static final String WEIGHTS = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String MANIFEST = "checkpoint.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Versions kept besides the latest and the best. */
    public static final int KEEP_LAST = 3;

    private Checkpoints() {}

    /** Weights and freeze state only: a model to load elsewhere (a pretrained base). */
    public static Path saveModel(Path dir, FrostModel model) {
        return write(dir, model, null, null, null, KEEP_LAST);
    }

    /** Everything a resumed run needs, as a new version in {@code dir}; returns the version's folder. */
    public static Path save(Path dir, Trainer trainer) {
        return save(dir, trainer, KEEP_LAST);
    }

    /** Like {@link #save(Path, Trainer)}, keeping the {@code keepLast} newest versions (plus the best). */
    public static Path save(Path dir, Trainer trainer, int keepLast) {
        return write(dir, trainer.model(), trainer.optimizer(), trainer, null, keepLast);
    }

    /**
     * Like {@link #save(Path, Trainer, int)}, and points {@code BEST} at this version, recording the monitored
     * quantity and its value (so a resumed run's {@link ModelCheckpoint} compares against it).
     */
    public static Path saveBest(Path dir, Trainer trainer, String monitor, double value, int keepLast) {
        return write(dir, trainer.model(), trainer.optimizer(), trainer, new CheckpointStore.Best(monitor, value),
                keepLast);
    }

    /** The monitored value saved with the best version in {@code dir}, or NaN when there is none for it. */
    public static double bestValue(Path dir, String monitor) {
        return CheckpointStore.bestValue(dir, monitor);
    }

    private static Path write(Path root, FrostModel model, Optimizer optimizer, Trainer trainer,
                              CheckpointStore.Best best, int keepLast) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        model.stateTensors().forEach((k, p) -> weights.put(k, p.getArray()));
        requireFinite(weights, root);
        byte[] weightBytes = SafeTensors.encode(weights);
        Path dir = CheckpointStore.begin(root, trainer == null ? 0 : trainer.progress().globalStep());
        AtomicFiles.write(dir.resolve(WEIGHTS), weightBytes);
        CheckpointManifest.OptimizerRef optRef = null;
        if (optimizer != null) {
            byte[] optBytes = SafeTensors.encode(optimizer.stateArrays());
            AtomicFiles.write(dir.resolve(OPTIMIZER), optBytes);
            optRef = new CheckpointManifest.OptimizerRef(optimizer.type(), optimizer.hyperParameters(),
                    optimizer.stepCounts(), new CheckpointManifest.FileRef(OPTIMIZER, AtomicFiles.sha256(optBytes)));
        }
        Map<String, Double> multipliers = new LinkedHashMap<>();
        for (LayerGroup g : model.groups()) {
            multipliers.put(g.name(), g.lrMultiplier());
        }
        CheckpointManifest.ProgressState progress = null;
        CheckpointManifest.ScheduleState schedule = null;
        CheckpointManifest.RngState rng = null;
        if (trainer != null) {
            Progress p = trainer.progress();
            progress = new CheckpointManifest.ProgressState(p.epoch(), p.stepInEpoch(), p.globalStep(), p.fitCall(),
                    p.callStartEpoch(), p.callStartStep(), p.callEpochs());
            var c = trainer.config();
            schedule = new CheckpointManifest.ScheduleState(c.scheduleName(), c.learningRate(), c.epochs(),
                    c.batchSize());
            rng = new CheckpointManifest.RngState(c.seed(), p.globalStep());
        }
        List<String> layers = new ArrayList<>();
        model.layers().forEach(l -> layers.add(l.name()));
        Map<String, Map<String, Object>> policies = new LinkedHashMap<>();
        if (trainer != null) {
            for (Callback c : trainer.callbacks()) {
                if (c instanceof FreezePolicy p) {
                    policies.put(p.name(), p.state());
                }
            }
        }
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT, CheckpointManifest.VERSION,
                new CheckpointManifest.FileRef(WEIGHTS, AtomicFiles.sha256(weightBytes)), optRef,
                new CheckpointManifest.FreezeState(new ArrayList<>(model.frozenLayerNames()), model.isTrainBn(),
                        multipliers, new ArrayList<>(model.frozenPaths())),
                progress, schedule, rng, policies, layers, trainer == null ? null : trainer.trainDataFingerprint());
        byte[] manifestBytes;
        try {
            manifestBytes = JSON.writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new FrostException("cannot serialize checkpoint manifest: " + e.getMessage(), e);
        }
        AtomicFiles.write(dir.resolve(MANIFEST), manifestBytes);
        return CheckpointStore.publish(root, dir, AtomicFiles.sha256(manifestBytes), best, keepLast);
    }

    private static void requireFinite(Map<String, NDArray> tensors, Path where) {
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            try (NDArray s = e.getValue().sum()) {
                if (!Float.isFinite(s.getFloat())) {
                    throw new FrostException("refusing to write checkpoint " + where + ": tensor '" + e.getKey()
                            + "' is not finite (the run diverged; the previous checkpoint is kept)");
                }
            }
        }
    }

    /** Reads and validates the manifest of the checkpoint in {@code dir} (its latest version). */
    public static CheckpointManifest readManifest(Path dir) {
        return read(CheckpointStore.resolve(dir)).manifest();
    }

    /** A checkpoint version found on disk: its folder and its validated manifest. */
    private record Found(Path folder, CheckpointManifest manifest) {}

    private static Found read(CheckpointStore.Resolved r) {
        Path file = r.folder().resolve(MANIFEST);
        byte[] bytes = AtomicFiles.read(file);
        if (bytes.length > (16 << 20)) {
            throw new FrostException("checkpoint manifest " + file + " is " + bytes.length + " bytes: not a manifest");
        }
        if (r.manifestSha256() != null && !AtomicFiles.sha256(bytes).equals(r.manifestSha256())) {
            throw new FrostException("checkpoint manifest " + file + " was modified after it was written"
                    + " (its SHA-256 does not match the LATEST pointer)");
        }
        CheckpointManifest m;
        try {
            m = JSON.readValue(bytes, CheckpointManifest.class);
        } catch (IOException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new FrostException("checkpoint manifest " + file + " is not valid: "
                    + (first.length() > 160 ? first.substring(0, 160) + "..." : first), e);
        }
        if (m == null) {
            throw new FrostException("checkpoint manifest " + file + " is empty");
        }
        m.validate("checkpoint manifest " + file);
        return new Found(r.folder(), m);
    }

    /** Loads weights and freeze state into a model of the same architecture; returns the manifest. */
    public static CheckpointManifest loadModel(Path dir, FrostModel model) {
        Found f = read(CheckpointStore.resolve(dir));
        return loadModel(f, model, null);
    }

    /** Loads the best version (by the monitored metric of the run that wrote it) into a model. */
    public static CheckpointManifest loadBest(Path dir, FrostModel model) {
        return loadModel(read(CheckpointStore.resolveBest(dir)), model, null);
    }

    /** Validates everything, then (and only then) applies weights, freeze state and {@code then}. */
    private static CheckpointManifest loadModel(Found f, FrostModel model, java.util.function.Consumer<NDManager> then) {
        Path dir = f.folder();
        CheckpointManifest m = f.manifest();
        try (NDManager tmp = FrostEngine.newManager()) {
            Map<String, NDArray> tensors = CheckpointMigrations.renameKeys(m.version(),
                    readTensors(dir, m.weights(), tmp));
            Map<String, Parameter> targets = model.stateTensors();
            Set<String> missing = new HashSet<>(targets.keySet());
            missing.removeAll(tensors.keySet());
            if (!missing.isEmpty()) {
                throw new FrostException("checkpoint " + dir + " lacks tensor(s) " + missing + " that the model has");
            }
            for (Map.Entry<String, Parameter> e : targets.entrySet()) {
                NDArray src = tensors.get(e.getKey());
                NDArray dst = e.getValue().getArray();
                if (!src.getShape().equals(dst.getShape())) {
                    throw new FrostException("shape mismatch for tensor '" + e.getKey() + "': checkpoint has "
                            + src.getShape() + ", model has " + dst.getShape());
                }
            }
            Set<String> extra = new HashSet<>(tensors.keySet());
            extra.removeAll(targets.keySet());
            if (!extra.isEmpty()) {
                throw new FrostException("checkpoint " + dir + " has tensor(s) " + extra + " that the model lacks");
            }
            checkLayers(m, model, dir);
            checkFreezeState(m.freeze(), model, dir);
            if (then != null) {
                then.accept(tmp); // the caller's validation and reads, still before anything is overwritten
            }
            for (Map.Entry<String, Parameter> e : targets.entrySet()) {
                tensors.get(e.getKey()).copyTo(e.getValue().getArray());
            }
        }
        applyFreeze(model, m.freeze());
        return m;
    }

    /**
     * The same tensors do not make the same model: a layer without parameters (an activation, dropout, a pooling)
     * added, removed or renamed changes what the weights compute. Checked for checkpoints of this version (older ones
     * may list layers under names a migration has since changed).
     */
    private static void checkLayers(CheckpointManifest m, FrostModel model, Path dir) {
        if (m.version() != CheckpointManifest.VERSION || m.layers() == null) {
            return;
        }
        List<String> names = model.layers().stream().map(dev.frost.layers.Layer::name).toList();
        if (!names.equals(m.layers())) {
            throw new FrostException("checkpoint " + dir + " was written by a model with layers " + m.layers()
                    + ", this model has " + names);
        }
    }

    private static void checkFreezeState(CheckpointManifest.FreezeState freeze, FrostModel model, Path dir) {
        try {
            model.checkFrozenPaths(freeze.frozenPaths() != null ? freeze.frozenPaths() : freeze.frozenLayers());
        } catch (FrostException e) {
            throw new FrostException("checkpoint " + dir + ": " + e.getMessage(), e);
        }
        for (String g : freeze.lrMultipliers().keySet()) {
            if (model.groups().stream().noneMatch(x -> x.name().equals(g))) {
                throw new FrostException("checkpoint " + dir + " names group '" + g + "' that the model lacks");
            }
        }
    }

    /** Loads a full checkpoint: weights, freeze state, optimizer state and progress. */
    public static CheckpointManifest resume(Path dir, Trainer trainer) {
        return resume(dir, trainer, false);
    }

    /**
     * Like {@link #resume(Path, Trainer)}. The saved schedule, base learning rate, epochs, batch size, optimizer
     * hyper-parameters and training data must match the trainer's (another batch size silently runs other steps);
     * {@code allowChanges} accepts a deliberate change. Nothing is overwritten when any check fails.
     */
    public static CheckpointManifest resume(Path dir, Trainer trainer, boolean allowChanges) {
        Found f = read(CheckpointStore.resolve(dir));
        CheckpointManifest m = f.manifest();
        Path where = f.folder();
        if (m.optimizer() == null || m.progress() == null) {
            throw new FrostException("checkpoint " + where + " holds a model only (no optimizer state or progress):"
                    + " load it with Checkpoints.loadModel to start a new run from it");
        }
        if (!m.optimizer().type().equals(trainer.optimizer().type())) {
            throw new FrostException("checkpoint " + where + " was written by optimizer '" + m.optimizer().type()
                    + "' but the trainer uses '" + trainer.optimizer().type() + "'");
        }
        if (m.rng().seed() != trainer.config().seed()) {
            throw new FrostException("checkpoint " + where + " was written with seed " + m.rng().seed()
                    + " but the trainer uses seed " + trainer.config().seed() + ": resume with the same seed");
        }
        if (!allowChanges) {
            compareSettings(m, trainer, where);
        }
        Map<String, Map<String, Object>> saved = m.policies() == null ? Map.of() : m.policies();
        for (String name : saved.keySet()) {
            boolean present = trainer.callbacks().stream()
                    .anyMatch(c -> c instanceof FreezePolicy p && p.name().equals(name));
            if (!present) {
                throw new FrostException("checkpoint " + where + " holds the state of freezing policy '" + name
                        + "' but the trainer has no such policy: resume with the same policies");
            }
        }
        loadModel(f, trainer.model(), tmp -> {
            Map<String, NDArray> state = CheckpointMigrations.renameKeys(m.version(),
                    readTensors(where, m.optimizer().file(), tmp));
            Map<String, Long> steps = CheckpointMigrations.renameKeys(m.version(), m.optimizer().steps());
            checkOptimizerState(state, steps.keySet(), trainer, where);
            trainer.optimizer().loadState(state, steps);
        });
        for (Callback c : trainer.callbacks()) {
            if (c instanceof FreezePolicy p && saved.containsKey(p.name())) {
                p.restore(saved.get(p.name()));
            }
        }
        var p = m.progress();
        trainer.resumeAt(p.callEpochs() > 0
                ? new Progress(p.epoch(), p.stepInEpoch(), p.globalStep(), p.fitCall(), p.callStartEpoch(),
                        p.callStartStep(), p.callEpochs())
                : new Progress(p.epoch(), p.stepInEpoch(), p.globalStep(), 1, 0, 0, m.schedule().epochs()));
        trainer.expectTrainData(allowChanges ? null : m.trainData());
        return m;
    }

    private static void compareSettings(CheckpointManifest m, Trainer trainer, Path where) {
        var c = trainer.config();
        var s = m.schedule();
        List<String> diffs = new ArrayList<>();
        if (s.batchSize() != c.batchSize()) {
            diffs.add("batch size " + s.batchSize() + " vs " + c.batchSize());
        }
        if (!s.name().equals(c.scheduleName())) {
            diffs.add("schedule " + s.name() + " vs " + c.scheduleName());
        }
        if (s.baseLearningRate() != c.learningRate()) {
            diffs.add("learning rate " + s.baseLearningRate() + " vs " + c.learningRate());
        }
        if (m.progress().callEpochs() > 0 ? false : s.epochs() != c.epochs()) {
            diffs.add("epochs " + s.epochs() + " vs " + c.epochs());
        }
        Map<String, Object> hp = trainer.optimizer().hyperParameters();
        m.optimizer().hyperParameters().forEach((k, v) -> {
            Object now = hp.get(k);
            if (now == null || !(v instanceof Number a && now instanceof Number b && a.doubleValue() == b.doubleValue())
                    && !v.equals(now)) {
                diffs.add("optimizer " + k + " " + v + " vs " + now);
            }
        });
        if (!diffs.isEmpty()) {
            throw new FrostException("checkpoint " + where + " was written with other settings (saved vs now: "
                    + String.join(", ", diffs) + "); resume with the same settings, or allow the change"
                    + " explicitly (Checkpoints.resume(dir, trainer, true))");
        }
    }

    private static void checkOptimizerState(Map<String, NDArray> state, Set<String> params, Trainer trainer,
                                            Path where) {
        Map<String, Parameter> model = trainer.model().learnableParameters();
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            String name = e.getKey().contains(":") ? e.getKey().substring(0, e.getKey().lastIndexOf(':')) : "";
            Parameter p = model.get(name);
            if (p == null || !params.contains(name)) {
                throw new FrostException("checkpoint " + where + " has optimizer state '" + e.getKey()
                        + "' for no parameter of the model");
            }
            if (!e.getValue().getShape().equals(p.getArray().getShape())) {
                throw new FrostException("checkpoint " + where + " has optimizer state '" + e.getKey() + "' of shape "
                        + e.getValue().getShape() + ", but the parameter is " + p.getArray().getShape());
            }
        }
    }

    private static Map<String, NDArray> readTensors(Path dir, CheckpointManifest.FileRef ref, NDManager manager) {
        Path file = dir.resolve(ref.file());
        byte[] bytes = AtomicFiles.read(file);
        String actual = AtomicFiles.sha256(bytes);
        if (!actual.equals(ref.sha256())) {
            throw new FrostException("checkpoint file " + file + " is corrupt or was modified: SHA-256 " + actual
                    + " does not match the manifest's " + ref.sha256());
        }
        return SafeTensors.decode(manager, bytes, file.toString());
    }

    private static void applyFreeze(FrostModel model, CheckpointManifest.FreezeState freeze) {
        model.setFrozenPaths(freeze.frozenPaths() != null ? freeze.frozenPaths() : freeze.frozenLayers());
        model.setTrainBn(freeze.trainBn());
        freeze.lrMultipliers().forEach((g, mult) -> model.group(g).setLrMultiplier(mult));
        model.applyFreezeState();
    }

}
