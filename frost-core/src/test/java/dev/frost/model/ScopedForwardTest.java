package dev.frost.model;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.frost.engine.Autograd;
import dev.frost.layers.Layers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A forward pass holds a sub-layer's intermediates only while that sub-layer runs, with autograd on or off. */
class ScopedForwardTest {
    /** {@code ops} chained element-wise ops, each leaving an intermediate behind. */
    static final class Chain extends AbstractBlock {
        private final int ops;

        Chain(int ops) {
            this.ops = ops;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            for (int i = 0; i < ops; i++) {
                x = x.add(x).tanh();
            }
            return new NDList(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Records how many arrays the batch's manager holds (with its sub-managers) when it runs. */
    static final class Probe extends AbstractBlock {
        final List<Integer> seen = new ArrayList<>();
        NDManager batch;

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            if (batch != null) {
                seen.add(((BaseNDManager) batch).getManagedArrays().size());
            }
            return new NDList(inputs.singletonOrThrow().mul(inputs.singletonOrThrow()));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Returns its own parameter as its output, as a learned constant would: the array belongs to the model. */
    static final class Constant extends AbstractBlock {
        private final ai.djl.nn.Parameter value = addParameter(ai.djl.nn.Parameter.builder().setName("value")
                .setType(ai.djl.nn.Parameter.Type.WEIGHT).build());

        @Override
        protected void prepare(Shape[] inputShapes) {
            value.setShape(new Shape(4, 8));
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return new NDList(store.getValue(value, inputs.singletonOrThrow().getDevice(), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(4, 8)};
        }
    }

    @Test
    void anOutputThatBelongsToTheModelStaysWithIt() {
        try (FrostModel m = FrostModel.builder(new Shape(8)).optSeed(1)
                .addGroup("body", Layers.composite("c", List.of(Layers.custom("const", new Constant()),
                        Layers.linear("fc", 8)), (x, ch) -> ch.run("fc", ch.run("const", x)), null))
                .build()) {
            float[] first = null;
            for (int step = 0; step < 2; step++) { // the second pass reads the parameter again
                try (NDManager batch = m.manager().newSubManager()) {
                    float[] y = m.runFrozen(batch.ones(new Shape(4, 8)), 0, 1).toFloatArray();
                    if (first != null) {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(first, y);
                    }
                    first = y;
                }
            }
        }
    }

    private static int liveWhenProbed(int ops, boolean record) {
        Probe probe = new Probe();
        try (FrostModel m = FrostModel.builder(new Shape(8)).optSeed(1)
                .addGroup("body", Layers.linear("fc", 8), Layers.composite("c", List.of(
                        Layers.custom("chain", new Chain(ops)), Layers.custom("probe", probe)),
                        (x, ch) -> ch.run("probe", ch.run("chain", x)), null))
                .addGroup("head", Layers.linear("out", 2)).build();
             NDManager batch = m.manager().newSubManager()) {
            probe.batch = batch;
            NDArray x = batch.ones(new Shape(4, 8));
            if (record) {
                try (GradientCollector gc = Autograd.record()) {
                    gc.backward(m.forward(x, true, 0, m.layers().size()).sum());
                }
            } else {
                m.runFrozen(x, 0, m.layers().size());
            }
            assertEquals(1, probe.seen.size());
            return probe.seen.get(0);
        }
    }

    @Test
    void aSubLayersIntermediatesAreFreedWhenItReturns() {
        for (boolean record : new boolean[] {true, false}) {
            // 2 or 40 intermediates in "chain": by the time "probe" runs, only chain's output is left of them
            assertEquals(liveWhenProbed(2, record), liveWhenProbed(40, record), "recording " + record);
        }
    }
}
