package dev.frost.freeze.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.frost.engine.Autograd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.train.Gradients;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An update's temporaries are freed before the next parameter's, and clipping leaves nothing behind. */
class OptimizerScratchTest {

    /** Records, at each parameter's update, how many arrays the scope of its gradient holds. */
    private static final class Counting extends Optimizer {
        final List<Integer> live = new ArrayList<>();

        @Override
        protected List<String> bufferNames() {
            return List.of("m");
        }

        @Override
        public String type() {
            return "counting";
        }

        @Override
        public java.util.Map<String, Object> hyperParameters() {
            return java.util.Map.of();
        }

        @Override
        protected void update(NDArray weight, NDArray grad, State state, double lr, boolean decay) {
            live.add(((ai.djl.ndarray.BaseNDManager) grad.getManager()).getManagedArrays().size());
            NDArray scaled = grad.mul(2f); // temporaries of its size, as AdamW's
            temp(state.buffers.get("m").add(scaled));
            weight.subi(scaled.muli(lr));
        }
    }

    private static void backward(FrostModel model) {
        try (var m = model.manager().newSubManager()) {
            NDArray x = m.create(new float[] {1f, -2f, 0.5f, 0.25f, 1f, -1f}, new Shape(2, 3));
            model.applyFreezeState();
            try (GradientCollector gc = Autograd.record()) {
                gc.backward(model.forward(x, true, 0, model.layers().size()).square().sum());
            }
        }
    }

    @Test
    void eachParametersTemporariesAreFreedBeforeTheNext() {
        try (FrostModel model = Models.mlp(3, new int[] {8, 8}, 2, 11); Counting opt = new Counting()) {
            backward(model);
            opt.step(ParamGroup.of(model), 0.1);
            assertEquals(model.learnableParameters().size(), opt.live.size());
            // only its own gradient is in scope: before, every earlier parameter's gradient and temporaries were too
            opt.live.forEach(n -> assertEquals(1, n, "arrays in scope at an update: " + opt.live));
        }
    }

    @Test
    void clippingAndStepsLeaveNoArraysOnTheModel() {
        try (FrostModel model = Models.mlp(3, new int[] {8, 8}, 2, 11); AdamW opt = new AdamW()) {
            int[] counts = new int[4];
            for (int s = 0; s < counts.length; s++) {
                backward(model);
                Gradients.clipByGlobalNorm(model.learnableParameters().values(), 1e-3);
                opt.step(ParamGroup.of(model), 0.1);
                counts[s] = ((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays().size();
            }
            assertTrue(counts[3] == counts[1], "arrays on the model's manager grow with steps: "
                    + java.util.Arrays.toString(counts));
        }
    }
}
