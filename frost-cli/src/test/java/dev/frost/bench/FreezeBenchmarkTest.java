package dev.frost.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Structure of the benchmark's report (its numbers are checked by running it, not by timed tests). */
class FreezeBenchmarkTest {
    @Test
    void reportHasEveryModeWithItsIdealAndRatios() {
        FreezeBenchmark.Report r = FreezeBenchmark.run(
                new FreezeBenchmark.Options(List.of("mlp"), 1, 0, false, "/usr/bin/python3", 2));
        assertEquals(List.of("full", "head-only", "half", "forward"),
                r.rows().stream().map(FreezeBenchmark.Row::mode).toList());
        FreezeBenchmark.Row head = r.rows().get(1);
        assertEquals(3, head.frozenGroups());
        assertTrue(head.prefixMs() > 0 && head.suffixMs() > 0);
        assertEquals(head.prefixMs() + head.suffixMs(), head.idealMs(), 1e-9);
        assertEquals(head.frostMs() / r.rows().get(0).frostMs(), head.frozenOverFull(), 1e-9);
        assertTrue(Double.isNaN(r.rows().get(0).idealMs()), "full training has no ideal column");
        String table = FreezeBenchmark.format(r);
        assertTrue(table.contains("head-only") && table.contains("frost/ideal"), table);
        assertEquals("none", r.peer());
    }
}
