package dev.frost.transfer;

import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a new model from a trained base: keep the base up to a named layer or group, add new head groups, freeze
 * the base (DL4J's TransferLearning builder, Keras's "base model + new head" workflow).
 *
 * <pre>{@code
 * FrostModel digits = TransferLearning.from(base).cutAfterLayer("gap")
 *         .addHead("head", Layers.linear("digit_fc", 10)).build();   // base frozen, head trainable
 * }</pre>
 *
 * The new model takes over the base's layers and native memory: close the new model, and do not use the base after
 * {@link Builder#build()}.
 */
public final class TransferLearning {
    private TransferLearning() {}

    public static Builder from(FrostModel base) {
        return new Builder(base);
    }

    /** Where to cut, what to add, and whether to freeze what is kept. */
    public static final class Builder {
        private final FrostModel base;
        private String cutLayer;
        private final List<String> headNames = new ArrayList<>();
        private final List<List<Layer>> heads = new ArrayList<>();
        private boolean freezeBase = true;
        private long seed = 42;

        private Builder(FrostModel base) {
            this.base = base;
        }

        /** Keeps layers up to and including {@code layerName}; a group cut in the middle keeps its first part. */
        public Builder cutAfterLayer(String layerName) {
            base.layer(layerName);
            this.cutLayer = layerName;
            return this;
        }

        /** Keeps groups up to and including {@code groupName}. */
        public Builder cutAfterGroup(String groupName) {
            List<Layer> layers = base.group(groupName).layers();
            this.cutLayer = layers.get(layers.size() - 1).name();
            return this;
        }

        /** Adds a new trainable group on top; call again for several. Layer names must not clash with the base's. */
        public Builder addHead(String groupName, Layer... layers) {
            headNames.add(groupName);
            heads.add(List.of(layers));
            return this;
        }

        /** Freeze the kept base (default true). */
        public Builder optFreezeBase(boolean freeze) {
            this.freezeBase = freeze;
            return this;
        }

        /** Seed for the new head's initialization. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public FrostModel build() {
            if (cutLayer == null) {
                throw new FrostException("transfer: say where to cut the base (cutAfterLayer or cutAfterGroup)");
            }
            if (heads.isEmpty()) {
                throw new FrostException("transfer: add at least one head group (addHead)");
            }
            FrostModel.Builder b = FrostModel.builder(base.inputShape()).optManager(base.manager()).optSeed(seed);
            boolean done = false;
            for (LayerGroup g : base.groups()) {
                List<Layer> kept = new ArrayList<>();
                for (Layer l : g.layers()) {
                    kept.add(l);
                    if (l.name().equals(cutLayer)) {
                        done = true;
                        break;
                    }
                }
                String name = headNames.contains(g.name()) ? "base_" + g.name() : g.name();
                b.addGroup(name, kept);
                if (done) {
                    break;
                }
            }
            for (int i = 0; i < heads.size(); i++) {
                b.addGroup(headNames.get(i), heads.get(i));
            }
            FrostModel model = b.build();
            model.setTrainBn(base.isTrainBn());
            int baseGroups = model.groups().size() - heads.size();
            for (int i = 0; i < model.groups().size(); i++) {
                model.groups().get(i).setTrainable(i >= baseGroups || !freezeBase);
            }
            return model;
        }
    }
}
