package dev.frost.policy;

import dev.frost.train.Callback;

import java.util.Map;

/**
 * A freezing policy: a callback that decides, at step and epoch boundaries, which leading groups are frozen and the
 * groups' learning-rate multipliers. A policy with memory exposes it through {@link #state()} so that a checkpoint
 * can resume it mid-schedule; the values must be JSON-friendly (numbers, strings, lists, maps).
 */
public interface FreezePolicy extends Callback {
    /** Stable name, used in reports and as the key of the policy's state in checkpoints. */
    String name();

    /** What the policy must remember across a resume; empty for policies that are a function of the step. */
    default Map<String, Object> state() {
        return Map.of();
    }

    @Override
    default String freezeSource() {
        return name();
    }

    /** Restores what {@link #state()} returned. */
    default void restore(Map<String, Object> state) {}
}
