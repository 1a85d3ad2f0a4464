package dev.frost.examples;

import dev.frost.examples.SpamFineTune.Method;
import dev.frost.examples.SpamFineTune.Options;
import dev.frost.examples.SpamFineTune.Row;
import dev.frost.io.JsonLines;
import dev.frost.train.FitResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison's table from rows: means, deltas and speed-ups paired by seed, stopped runs, per-epoch columns. */
class MiniLmComparisonTest {
    private static final Options O = new Options(128, 2000, 3000, 2, 16, 1e-4, 4, 42, 2);

    private static Row row(Method m, long seed, double acc, double secs, List<Double> epochSecs, List<Long> flops,
                           String error) {
        return new Row(SpamFineTune.label(m, O), seed, 2, acc, secs, flops.stream().mapToLong(Long::longValue).sum(),
                200, 0, Double.NaN, Double.NaN, epochSecs, flops, error,
                m == Method.FULL ? List.of() : List.of(new FitResult.FreezeEvent(0, 0, "embeddings", true),
                        new FitResult.FreezeEvent(30 + seed, 0, "layer0", true),
                        new FitResult.FreezeEvent(30 + seed, 0, "layer1", true)));
    }

    @Test
    void pairsEachMethodWithFullFineTuningOfTheSameSeeds(@TempDir Path tmp) {
        List<Row> rows = List.of( // seed 2 first, as in a file whose seed-1 row was rerun
                row(Method.FULL, 2, 0.96, 120, List.of(60.0, 60.0), List.of(100L, 100L), null),
                row(Method.FULL, 1, 0.98, 100, List.of(50.0, 50.0), List.of(100L, 100L), null),
                row(Method.AUTOFREEZE, 1, 0.97, 50, List.of(40.0, 10.0), List.of(80L, 20L), null),
                row(Method.FROZEN_K, 1, 0.95, 40, List.of(20.0, 20.0), List.of(50L, 50L), null),
                row(Method.FROZEN_K, 2, Double.NaN, Double.NaN, List.of(), List.of(), "training diverged at step 3"));
        String t = MiniLmComparison.format(rows, O);
        // AutoFreeze ran seed 1 only: paired with full's seed 1 (98%, 100 s), not with the mean over both seeds
        assertTrue(t.contains("| (c) AutoFreeze | 1 | 97.00% (97.00) | -1.00 | 50.0 | 2.00x | 40 s 80%, 10 s 20% | 0→1, 31→3 |"), t);
        String both = MiniLmComparison.format(List.of(rows.get(0), rows.get(1),
                row(Method.AUTOFREEZE, 2, 0.95, 60, List.of(50.0, 10.0), List.of(80L, 20L), null),
                row(Method.AUTOFREEZE, 1, 0.97, 50, List.of(40.0, 10.0), List.of(80L, 20L), null)), O);
        assertTrue(both.contains("| 0→1, 31→3 / 0→1, 32→3 |"), "each seed's freezing steps, by seed: " + both);
        assertTrue(t.contains("| (a) full fine-tuning | 2 | 97.00% (98.00, 96.00) | +0.00 | 110.0 | 1.00x |"), t);
        assertTrue(t.contains("| 55 s 100%, 55 s 100% |  |\n"), "nothing froze in full fine-tuning: " + t);
        assertTrue(t.contains("(95.00, stopped)"), "a stopped run is shown and left out of the means: " + t);
        assertTrue(t.contains("1 run(s) stopped"), t);
        assertTrue(t.contains("dropout 0.0;"), "the recipe is in the table's heading: " + t);

        Path out = tmp.resolve("rows.jsonl");
        rows.forEach(r -> JsonLines.append(out, r));
        assertEquals(rows, JsonLines.read(out, Row.class), "rows survive the file they resume from");
    }

    @Test
    void dropoutIsPartOfAResultsFilesSettingsOnlyWhenUsed() {
        Options drop = new Options(128, 2000, 3000, 2, 16, 1e-4, 4, 42, 2, 30, "step", 0.1);
        assertEquals(0.1, drop.settings().get("dropout"), "rows with and without dropout never share a file");
        assertFalse(O.settings().containsKey("dropout"), "files written before the option still resume: " + O.settings());
    }
}
