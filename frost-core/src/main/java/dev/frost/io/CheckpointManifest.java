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
        List<String> layers) {

    public static final String FORMAT = "frost-checkpoint";
    public static final int VERSION = 1;

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
}
