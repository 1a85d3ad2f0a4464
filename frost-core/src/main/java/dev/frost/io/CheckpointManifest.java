package dev.frost.io;

import java.util.List;
import java.util.Map;

/**
 * The JSON sidecar of a checkpoint: what the tensors files are (with checksums) and everything else a resumed run
 * needs. Keyed by names throughout, never by index.
 */
public record CheckpointManifest(
        String format,
        int version,
        FileRef weights,
        OptimizerRef optimizer,
        FreezeState freeze,
        ProgressState progress,
        ScheduleState schedule,
        RngState rng,
        Map<String, Map<String, Object>> policies,
        List<String> layers,
        String trainData) {

    public static final String FORMAT = "frost-checkpoint";
    /**
     * 2: freeze state as paths, fit-call progress, the training data's fingerprint; 3: BERT tensors under Hugging
     * Face's names. Older versions load through {@link CheckpointMigrations}.
     */
    public static final int VERSION = 3;
    private static final java.util.regex.Pattern FILE = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** A tensors file beside the manifest, with the SHA-256 of its bytes. */
    public record FileRef(String file, String sha256) {}

    /** Optimizer type, hyper-parameters, per-parameter update counts, and its buffers' file. */
    public record OptimizerRef(String type, Map<String, Object> hyperParameters, Map<String, Long> steps,
                               FileRef file) {}

    /**
     * Top-level layers with nothing trainable, trainBn, per-group learning-rate multipliers, and the exact freeze
     * state as qualified paths (frozen sub-layers and single parameters, {@code FrostModel.frozenPaths()}); older
     * checkpoints lack the paths, and their {@code frozenLayers} are then the whole state.
     */
    public record FreezeState(List<String> frozenLayers, boolean trainBn, Map<String, Double> lrMultipliers,
                              List<String> frozenPaths) {}

    /**
     * Position in the run and in its current fit call. Checkpoints written before fit became re-entrant have no call
     * fields (read as 0): their run was one call from the start, of {@code schedule.epochs} epochs.
     */
    public record ProgressState(int epoch, long stepInEpoch, long globalStep, int fitCall, int callStartEpoch,
                                long callStartStep, int callEpochs) {}

    public record ScheduleState(String name, double baseLearningRate, int epochs, int batchSize) {}

    /** Frost reseeds libtorch from (seed, global step) every step, so these two numbers are the whole RNG state. */
    public record RngState(long seed, long globalStep) {}

    /**
     * Checks every field a loader relies on, so that a damaged or hand-edited manifest is refused in one line before
     * anything is read or overwritten: types and ranges, file names confined to the checkpoint folder, checksums.
     */
    public void validate(String where) {
        require(FORMAT.equals(format), where, "is not a Frost checkpoint (format " + format + ")");
        require(version >= 1 && version <= VERSION, where, "has version " + version + "; this Frost reads versions"
                + " 1.." + VERSION + " (written by a newer Frost?)");
        require(weights != null, where, "names no weights file");
        checkFile(weights, where);
        require(freeze != null && freeze.lrMultipliers() != null
                && (freeze.frozenLayers() != null || freeze.frozenPaths() != null), where, "has no freeze state");
        freeze.lrMultipliers().forEach((g, m) -> require(g != null && m != null && Double.isFinite(m) && m >= 0,
                where, "has an invalid learning-rate multiplier for group " + g + ": " + m));
        if (optimizer != null) {
            require(optimizer.type() != null && optimizer.steps() != null && optimizer.hyperParameters() != null,
                    where, "has an incomplete optimizer entry");
            checkFile(optimizer.file(), where);
            optimizer.steps().forEach((k, n) -> require(k != null && n != null && n >= 0, where,
                    "has an invalid optimizer step count for " + k + ": " + n));
        }
        if (progress != null) {
            require(progress.epoch() >= 0 && progress.stepInEpoch() >= 0 && progress.globalStep() >= 0
                    && progress.fitCall() >= 0 && progress.callStartEpoch() >= 0 && progress.callStartStep() >= 0
                    && progress.callEpochs() >= 0 && progress.callStartEpoch() <= progress.epoch()
                    && progress.callStartStep() <= progress.globalStep()
                    && progress.stepInEpoch() <= progress.globalStep(), where, "has an impossible progress " + progress);
            require(schedule != null && rng != null && schedule.name() != null && schedule.epochs() > 0
                    && schedule.batchSize() > 0 && Double.isFinite(schedule.baseLearningRate())
                    && schedule.baseLearningRate() > 0, where, "has a progress but no valid schedule or seed");
        }
    }

    private static void checkFile(FileRef ref, String where) {
        require(ref != null && ref.file() != null && FILE.matcher(ref.file()).matches()
                && !ref.file().startsWith("."), where, "names a file outside its folder: " + (ref == null ? null
                : ref.file()));
        require(ref.sha256() != null && ref.sha256().matches("[0-9a-f]{64}"), where, "has no valid SHA-256 for "
                + ref.file());
    }

    private static void require(boolean ok, String where, String problem) {
        if (!ok) {
            String msg = where + " " + problem;
            throw new dev.frost.FrostException(msg.length() > 280 ? msg.substring(0, 277) + "..." : msg);
        }
    }
}
