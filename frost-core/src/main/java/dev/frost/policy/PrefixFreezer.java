package dev.frost.policy;

import dev.frost.model.FrostModel;

/** Shared rule of the progressive policies: freeze a leading run of groups, never unfreeze, never the last group. */
final class PrefixFreezer {
    private PrefixFreezer() {}

    /** Freezes groups {@code [0, n)} (capped below the last group); groups already frozen stay frozen. */
    static void freezeAtLeast(FrostModel model, int n) {
        int k = Math.min(n, model.groups().size() - 1);
        for (int i = 0; i < k; i++) {
            model.groups().get(i).freeze();
        }
    }
}
