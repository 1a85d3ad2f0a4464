package dev.frost.cli.train;

import dev.frost.train.Callback;
import dev.frost.train.EpochRecord;
import dev.frost.train.TrainingContext;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends each finished epoch, tagged with its phase, to the run's {@code epochs.jsonl} (the report's source). */
final class EpochRecorder implements Callback {
    private final Path file;
    private final int phase;
    private final String phaseName;

    EpochRecorder(Path file, int phase, String phaseName) {
        this.file = file;
        this.phase = phase;
        this.phaseName = phaseName;
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        EpochRecord r = ctx.history().get(ctx.history().size() - 1);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("phase", phase);
        line.put("phase_name", phaseName);
        line.put("record", r);
        RunFiles.append(file, line);
    }
}
