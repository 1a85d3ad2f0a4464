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
 * Saves and loads checkpoints in a directory: {@code model.safetensors}, {@code optimizer.safetensors} and
 * {@code checkpoint.json}. The manifest is written last, so a crash mid-save leaves the previous checkpoint whole.
 */
public final class Checkpoints {
    public static final String WEIGHTS = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String MANIFEST = "checkpoint.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoints() {}

    /** Weights and freeze state only: a model to load elsewhere (a pretrained base). */
    public static void saveModel(Path dir, FrostModel model) {
        write(dir, model, null, null);
    }

    /** Everything a resumed run needs. */
    public static void save(Path dir, Trainer trainer) {
        write(dir, trainer.model(), trainer.optimizer(), trainer);
    }

    private static void write(Path dir, FrostModel model, Optimizer optimizer, Trainer trainer) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        model.stateTensors().forEach((k, p) -> weights.put(k, p.getArray()));
        byte[] weightBytes = SafeTensors.encode(weights);
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
                progress, schedule, rng, policies, layers);
        try {
            AtomicFiles.write(dir.resolve(MANIFEST), JSON.writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw new FrostException("cannot serialize checkpoint manifest: " + e.getMessage(), e);
        }
    }

    /** Reads and verifies the manifest of a checkpoint directory. */
    public static CheckpointManifest readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        byte[] bytes = AtomicFiles.read(file);
        CheckpointManifest m;
        try {
            m = JSON.readValue(bytes, CheckpointManifest.class);
        } catch (IOException e) {
            throw new FrostException("checkpoint manifest " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (!CheckpointManifest.FORMAT.equals(m.format()) || m.version() != CheckpointManifest.VERSION) {
            throw new FrostException(file + " is not a Frost checkpoint of version " + CheckpointManifest.VERSION
                    + " (format " + m.format() + ", version " + m.version() + ")");
        }
        return m;
    }

    /** Loads weights and freeze state into a model of the same architecture; returns the manifest. */
    public static CheckpointManifest loadModel(Path dir, FrostModel model) {
        CheckpointManifest m = readManifest(dir);
        try (NDManager tmp = FrostEngine.newManager()) {
            Map<String, NDArray> tensors = readTensors(dir, m.weights(), tmp);
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
            for (Map.Entry<String, Parameter> e : targets.entrySet()) {
                tensors.get(e.getKey()).copyTo(e.getValue().getArray());
            }
        }
        applyFreeze(model, m.freeze());
        return m;
    }

    /** Loads a full checkpoint: weights, freeze state, optimizer state and progress. */
    public static CheckpointManifest resume(Path dir, Trainer trainer) {
        CheckpointManifest m = loadModel(dir, trainer.model());
        if (m.optimizer() == null || m.progress() == null) {
            throw new FrostException("checkpoint " + dir + " holds a model only (no optimizer state or progress):"
                    + " load it with Checkpoints.loadModel to start a new run from it");
        }
        if (!m.optimizer().type().equals(trainer.optimizer().type())) {
            throw new FrostException("checkpoint " + dir + " was written by optimizer '" + m.optimizer().type()
                    + "' but the trainer uses '" + trainer.optimizer().type() + "'");
        }
        if (m.rng().seed() != trainer.config().seed()) {
            throw new FrostException("checkpoint " + dir + " was written with seed " + m.rng().seed()
                    + " but the trainer uses seed " + trainer.config().seed() + ": resume with the same seed");
        }
        try (NDManager tmp = FrostEngine.newManager()) {
            trainer.optimizer().loadState(readTensors(dir, m.optimizer().file(), tmp), m.optimizer().steps());
        }
        Map<String, Map<String, Object>> saved = m.policies() == null ? Map.of() : m.policies();
        for (Callback c : trainer.callbacks()) {
            if (c instanceof FreezePolicy p && saved.containsKey(p.name())) {
                p.restore(saved.get(p.name()));
            }
        }
        for (String name : saved.keySet()) {
            boolean present = trainer.callbacks().stream()
                    .anyMatch(c -> c instanceof FreezePolicy p && p.name().equals(name));
            if (!present) {
                throw new FrostException("checkpoint " + dir + " holds the state of freezing policy '" + name
                        + "' but the trainer has no such policy: resume with the same policies");
            }
        }
        var p = m.progress();
        trainer.resumeAt(p.callEpochs() > 0
                ? new Progress(p.epoch(), p.stepInEpoch(), p.globalStep(), p.fitCall(), p.callStartEpoch(),
                        p.callStartStep(), p.callEpochs())
                : new Progress(p.epoch(), p.stepInEpoch(), p.globalStep(), 1, 0, 0, m.schedule().epochs()));
        return m;
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
