package dev.frost.spark;

import dev.frost.cli.train.FrozenPrefix;

import java.io.Serializable;

/**
 * How an executor rebuilds the frozen prefix and its data: a small serializable value shipped with the tasks (the
 * model and the data are never serialized; each JVM builds them once, see {@link PrefixPool}). Records, so equal
 * recipes share one built prefix per JVM.
 */
public interface Recipe extends Serializable {
    /** Builds data, model (weights loaded, freeze state applied) and boundary; the caller closes it. */
    FrozenPrefix open();

    /** A {@code frost train} config, resolved (defaults, --set and absolute paths applied) to YAML text. */
    record Config(String resolvedYaml) implements Recipe {
        @Override
        public FrozenPrefix open() {
            return FrozenPrefix.open(resolvedYaml);
        }
    }
}
