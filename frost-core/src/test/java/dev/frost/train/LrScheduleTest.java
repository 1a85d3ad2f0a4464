package dev.frost.train;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face's linear warm-up and decay, against its lr_lambda computed by hand. */
class LrScheduleTest {
    /** transformers' get_linear_schedule_with_warmup lr_lambda, written out. */
    private static double reference(long step, long warmup, long total) {
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        return Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    @Test
    void linearWarmupMatchesTransformersLambda() {
        LrSchedule s = LrSchedule.named("linear");
        for (long total : new long[] {1, 7, 100, 1001}) {
            long warmup = (long) (0.1 * total);
            for (long step = 0; step < total; step++) {
                assertEquals(reference(step, warmup, total), s.factor(step, total), 1e-12, step + "/" + total);
            }
        }
        assertEquals(0.0, s.factor(0, 100), 0.0, "starts at zero");
        assertEquals(1.0, s.factor(10, 100), 0.0, "peak at the end of the warm-up");
        assertTrue(s.factor(99, 100) > 0 && s.factor(99, 100) < 0.02, "decays to about zero");
        assertEquals(1.0, LrSchedule.linearWarmup(0).factor(0, 50), 0.0, "no warm-up: full rate at once");
        assertThrows(FrostException.class, () -> LrSchedule.linearWarmup(1.0));
        FrostException e = assertThrows(FrostException.class, () -> LrSchedule.named("warmup"));
        assertTrue(e.getMessage().contains("linear"), e.getMessage());
    }
}
