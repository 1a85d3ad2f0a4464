package com.example.frost;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's own optimizer, written outside Frost's packages, keeps the no-state-for-frozen guarantee. */
class CustomOptimizerTest {
    /** Sign SGD with momentum: w -= lr * sign(m), m = 0.9 m + g. */
    static final class SignMomentum extends Optimizer {
        @Override
        public String type() {
            return "sign-momentum";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            return Map.of("beta", 0.9);
        }

        @Override
        protected List<String> bufferNames() {
            return List.of("m");
        }

        @Override
        protected void update(NDArray weight, NDArray grad, State state, double lr, boolean decay) {
            NDArray m = state.buffer("m");
            m.muli(0.9f).addi(grad);
            weight.subi(temp(temp(m.sign()).mul((float) lr)));
        }
    }

    @Test
    void aCustomOptimizerTrainsAndOwnsNoStateForFrozenParameters() {
        ArrayDataset data = SyntheticData.classification("custom-opt", 96, new Shape(10), 3, 4);
        try (FrostModel m = Models.mlp(10, new int[] {12}, 3, 1); SignMomentum opt = new SignMomentum()) {
            m.freeze();
            Map<String, float[]> before = Snapshots.of(m);
            Trainer t = new Trainer(m, opt, TrainConfig.builder().setEpochs(2).optBatchSize(32)
                    .optLearningRate(1e-3).optProgressBar(false).build());
            double first = t.fit(data, null).epochs().get(0).trainLoss();
            assertFalse(opt.hasState("fc1.weight"), "frozen parameters own no state");
            assertTrue(opt.hasState("out.weight"));
            assertEquals(Snapshots.of(m).get("fc1.weight")[0], before.get("fc1.weight")[0]);
            assertTrue(Snapshots.changed(before, Snapshots.of(m)).contains("out.weight"));
            assertTrue(Double.isFinite(first));
        }
    }
}
