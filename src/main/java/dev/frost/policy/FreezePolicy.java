package dev.frost.policy;

import dev.frost.train.Callback;

/** A freezing policy: a callback that changes freeze state and learning-rate multipliers, with a name for reports. */
public interface FreezePolicy extends Callback {
    String name();
}
