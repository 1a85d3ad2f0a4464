package dev.frost.train;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face's linear warm-up and decay and AutoFreeze's step decay, against their reference code written out. */
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

    /** AutoFreeze's optimization_lr.warmup_linear(current_step, t_total, decay_factor), written out. */
    private static double autoFreezeReference(long step, long total) {
        if (step >= (long) (0.3 * total) && step < (long) (0.6 * total)) {
            return 1 - 0.3;
        } else if (step >= (long) (0.6 * total)) {
            return 1 - 0.6;
        }
        return 1;
    }

    @Test
    void stepDecayMatchesAutoFreezeReference() {
        LrSchedule s = LrSchedule.named("step");
        for (long total : new long[] {1, 3, 10, 500, 1001}) {
            for (long step = 0; step < total; step++) {
                assertEquals(autoFreezeReference(step, total), s.factor(step, total), 1e-12, step + "/" + total);
            }
        }
        assertEquals(1.0, s.factor(0, 500), 0.0, "no warm-up");
        assertEquals(0.7, s.factor(150, 500), 1e-12);
        assertEquals(0.4, s.factor(499, 500), 1e-12);
        assertThrows(FrostException.class, () -> LrSchedule.stepDecay(new double[] {0.6, 0.3}, new double[] {1, 1, 1}));
        assertThrows(FrostException.class, () -> LrSchedule.stepDecay(new double[] {0.5}, new double[] {1}));
        FrostException e = assertThrows(FrostException.class, () -> LrSchedule.named("steps"));
        assertTrue(e.getMessage().contains("or step"), e.getMessage());
    }
}
