package com.example.frost;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.FlopCounter;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.model.ModelSummary;
import dev.frost.model.Snapshots;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frost's extension points used from outside its packages: a user's own DJL block, and a user's own composite. */
class CustomLayerTest {
    private static final ArrayDataset DATA = SyntheticData.classification("vec", 128, new Shape(20), 4, 11);

    /** {@code x * scale + shift} per feature: a DJL block with its own parameters, as a user would write one. */
    static final class ScaleShift extends AbstractBlock {
        private final Parameter scale;
        private final Parameter shift;

        ScaleShift() {
            scale = addParameter(Parameter.builder().setName("scale").setType(Parameter.Type.WEIGHT)
                    .optInitializer(new ConstantInitializer(1f)).build());
            shift = addParameter(Parameter.builder().setName("shift").setType(Parameter.Type.BIAS).build());
        }

        @Override
        protected void prepare(Shape[] inputShapes) {
            Shape features = new Shape(inputShapes[0].get(inputShapes[0].dimension() - 1));
            scale.setShape(features);
            shift.setShape(features);
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray s = store.getValue(scale, x.getDevice(), training);
            NDArray b = store.getValue(shift, x.getDevice(), training);
            return new NDList(x.mul(s).add(b));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }

    private static final FlopCounter TWO_PER_OUTPUT = l -> 2 * l.outputShape().size();

    private static FrostModel model(FlopCounter counter) {
        Layer custom = counter == null ? Layers.custom("scale", new ScaleShift())
                : Layers.custom("scale", new ScaleShift(), counter);
        return FrostModel.builder(new Shape(20)).optSeed(4)
                .addGroup("body", Layers.linear("fc1", 16), custom, Layers.relu("relu1"))
                .addGroup("head", Layers.linear("out", 4))
                .build();
    }

    private static TrainConfig oneEpoch() {
        return TrainConfig.builder().setEpochs(1).optBatchSize(16).optLearningRate(1e-2).optSeed(3)
                .optProgressBar(false).optMeasureFullStep(false).build();
    }

    private static Map<String, float[]> only(Map<String, float[]> snapshot, String layer) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        snapshot.forEach((k, v) -> {
            if (k.startsWith(layer + ".")) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void frozenCustomLayerStaysBitIdenticalOwnsNoStateAndTrainsOnceUnfrozen() {
        try (FrostModel model = model(null)) {
            model.layer("scale").setTrainable(false);
            Map<String, float[]> before = only(Snapshots.of(model), "scale");
            assertEquals(Set.of("scale.scale", "scale.shift"), before.keySet());
            AdamW opt = new AdamW();
            Map<String, float[]>[] atUnfreeze = new Map[1];
            Callback unfreezeAfterThree = new Callback() {
                @Override
                public void afterStep(TrainingContext ctx) {
                    if (ctx.globalStep() == 3) {
                        Map<String, float[]> now = only(Snapshots.of(ctx.model()), "scale");
                        before.forEach((k, v) -> assertArrayEquals(v, now.get(k), "frozen " + k + " moved"));
                        assertTrue(opt.statefulParameters().stream().noneMatch(p -> p.startsWith("scale.")),
                                "a frozen custom layer owns no optimizer state: " + opt.statefulParameters());
                        assertTrue(opt.hasState("fc1.weight"), "gradients pass through the frozen custom layer");
                        atUnfreeze[0] = Snapshots.of(ctx.model());
                        ctx.model().layer("scale").setTrainable(true);
                    }
                }
            };
            new Trainer(model, opt, oneEpoch(), unfreezeAfterThree).fit(DATA, null);
            assertNotNull(atUnfreeze[0], "the callback ran");
            Set<String> changed = Snapshots.changed(atUnfreeze[0], Snapshots.of(model));
            assertTrue(changed.containsAll(Set.of("scale.scale", "scale.shift")), "unfrozen, it trains: " + changed);
            assertEquals(8L - 3L, opt.stepCounts().get("scale.scale"), "fresh optimizer state from the unfreeze on");
        }
    }

    @Test
    void summarySaysUnknownFlopsWithoutACounterAndTheCountWithOne() {
        try (FrostModel unknown = model(null); FrostModel counted = model(TWO_PER_OUTPUT)) {
            ModelSummary.Row row = unknown.summary().rows().get(1);
            assertEquals("scale", row.layer());
            assertFalse(row.flopsKnown());
            assertTrue(unknown.summary().toString().contains("unknown"), unknown.summary().toString());
            long others = unknown.summary().totalForwardFlops();

            ModelSummary s = counted.summary();
            ModelSummary.Row c = s.rows().get(1);
            assertTrue(c.flopsKnown());
            assertEquals(2L * 16, c.forwardFlops());
            assertEquals(others + 2L * 16, s.totalForwardFlops(), "the counted layer joins the total");
            assertFalse(s.toString().contains("unknown"), s.toString());
            assertEquals(16L + 16, c.parameters(), "16 scales and 16 shifts");
        }
    }

    @Test
    void ownCompositeWiringRunsChildrenByNameAndFreezesPerChild() {
        // a gated linear unit: value(x) * sigmoid(gate(x)), its multiply and sigmoid counted as extras
        Layer glu = Layers.composite("glu", List.of(Layers.linear("value", 16), Layers.linear("gate", 16)),
                (x, c) -> c.run("value", x).mul(Activation.sigmoid(c.run("gate", x))),
                l -> 2 * l.outputShape().size());
        try (FrostModel model = FrostModel.builder(new Shape(20)).optSeed(6)
                .addGroup("body", glu).addGroup("head", Layers.linear("out", 4)).build()) {
            assertEquals(new Shape(16), glu.outputShape());
            assertEquals(2L * (2L * 20 * 16) + 2L * 16, glu.forwardFlops(), "two linears plus the extras");
            assertEquals(Set.of("glu.value.weight", "glu.value.bias", "glu.gate.weight", "glu.gate.bias",
                    "out.weight", "out.bias"), model.learnableParameters().keySet());

            model.layer("glu").sublayer("gate").setTrainable(false);
            assertEquals(0, model.frozenPrefixLength(), "a partly frozen composite is on the gradient path");
            Map<String, float[]> before = Snapshots.of(model);
            AdamW opt = new AdamW();
            new Trainer(model, opt, oneEpoch()).fit(DATA, null);
            Set<String> changed = Snapshots.changed(before, Snapshots.of(model));
            assertFalse(changed.contains("glu.gate.weight"));
            assertFalse(changed.contains("glu.gate.bias"));
            assertTrue(changed.containsAll(Set.of("glu.value.weight", "out.weight")), "changed: " + changed);
            assertFalse(opt.hasState("glu.gate.weight"));
            assertTrue(model.summary().toString().contains("partial"), model.summary().toString());
        }
    }

    /** A residual block whose add sits inside a child composite: the residual given as a named input, or concatenated. */
    private static FrostModel residual(boolean namedInput, String inputName) {
        Layer addNorm = Layers.composite("addnorm", List.of(Layers.linear("dense", 12)), namedInput
                ? (h, c) -> c.run("dense", h).add(c.input("res"))
                : (hx, c) -> {
                    NDList parts = hx.split(2, 1);
                    return c.run("dense", parts.get(0)).add(parts.get(1));
                }, null);
        Layer block = Layers.composite("block", List.of(Layers.linear("fc", 12), addNorm), namedInput
                ? (x, c) -> c.run("addnorm", c.run("fc", x), Map.of(inputName, x))
                : (x, c) -> c.run("addnorm", NDArrays.concat(new NDList(c.run("fc", x), x), 1)), null);
        return FrostModel.builder(new Shape(20)).optSeed(9).addSideInput("mask", new Shape(20))
                .addGroup("in", Layers.linear("proj", 12)).addGroup("body", block)
                .addGroup("head", Layers.linear("out", 4)).build();
    }

    @Test
    void childCompositeReadsANamedInputFromItsParentInsteadOfAConcatenation() {
        ArrayDataset data = SyntheticData.classification("vec", 64, new Shape(20), 4, 3)
                .withSideInput("mask", new Shape(20), new float[64 * 20]);
        try (FrostModel named = residual(true, "res"); FrostModel concatenated = residual(false, null)) {
            assertEquals(named.learnableParameters().keySet(), concatenated.learnableParameters().keySet());
            assertEquals(new Shape(12), named.layer("block").sublayer("addnorm").inputShape(),
                    "the child's input is its own, not the residual beside it");
            new Trainer(named, new AdamW(), oneEpoch()).fit(data, null);
            new Trainer(concatenated, new AdamW(), oneEpoch()).fit(data, null);
            Map<String, float[]> a = Snapshots.of(named);
            Map<String, float[]> b = Snapshots.of(concatenated);
            for (String k : a.keySet()) {
                assertArrayEquals(b.get(k), a.get(k), 1e-6f, k + " after training the same way");
            }
        }
        FrostException missing = assertThrows(FrostException.class, () -> residual(true, "other"));
        assertTrue(missing.getMessage().contains("'res'") && missing.getMessage().contains("did not pass"),
                missing.getMessage());
        FrostException clash = assertThrows(FrostException.class, () -> residual(true, "mask"));
        assertTrue(clash.getMessage().contains("'mask'") && clash.getMessage().contains("side input"),
                clash.getMessage());
    }

    /** Declares its input shape as its output but widens the last axis from 5 to 7. */
    private static final class Widening extends AbstractBlock {
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return new NDList(NDArrays.concat(new NDList(x, x.get(":, :2")), -1));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    void aBlockWhoseDeclaredShapeIsNotWhatItReturnsIsRefusedAtBuild() {
        FrostException e = assertThrows(FrostException.class, () -> FrostModel.builder(new Shape(5))
                .addGroup("base", Layers.custom("widen", new Widening())).addGroup("head", Layers.linear("fc", 3))
                .build());
        assertTrue(e.getMessage().contains("layer 'widen': its block's getOutputShapes says (5) per example but its"
                + " forward returns (7)"), e.getMessage());
    }

    /** Parameter-free and random in training mode, as a user's own dropout would be. */
    private static final class Noise extends AbstractBlock {
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return new NDList(training ? x.add(x.getManager().randomNormal(x.getShape())) : x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    void anUnfrozenCustomBlockInTheFrozenPrefixKeepsTheCacheOff() {
        try (FrostModel m = FrostModel.builder(new Shape(5))
                .addGroup("base", Layers.linear("fc", 5), Layers.custom("mine", new Noise()))
                .addGroup("head", Layers.linear("out", 3)).build()) {
            m.layer("fc").setTrainable(false);
            assertEquals(2, m.frozenPrefixLength(), "a block with nothing to train joins the frozen prefix");
            String why = dev.frost.freeze.cache.ActivationCache.refusal(m, 2, false);
            assertNotNull(why);
            assertTrue(why.contains("custom layer 'mine'") && why.contains("freeze it"), why);
            m.layer("mine").setTrainable(false);
            assertEquals(null, dev.frost.freeze.cache.ActivationCache.refusal(m, 2, false), "frozen: inference mode");
            m.layer("mine").setTrainable(true);
            m.layer("mine").markDeterministic();
            assertEquals(null, dev.frost.freeze.cache.ActivationCache.refusal(m, 2, false), "declared deterministic");
        }
    }

    /** x times a learned scalar declared as DJL's type OTHER (not a weight, bias, gamma or beta). */
    private static final class Temperature extends AbstractBlock {
        private final Parameter temp = addParameter(Parameter.builder().setName("temp").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer(1f)).build());

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return new NDList(x.mul(ps.getValue(temp, x.getDevice(), training)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    void aParameterOfTypeOtherTrainsAndFreezesLikeAWeight() {
        ArrayDataset data = SyntheticData.classification("p", 64, new Shape(5), 3, 4);
        try (FrostModel m = FrostModel.builder(new Shape(5))
                .addGroup("base", Layers.linear("fc", 6), Layers.custom("prelu", new Temperature()))
                .addGroup("head", Layers.linear("out", 3)).build()) {
            assertTrue(m.layer("prelu").learnableParameters().containsKey("temp"), "a parameter of type OTHER");
            float before = m.layer("prelu").learnableParameters().get("temp").getArray().toFloatArray()[0];
            TrainConfig cfg = TrainConfig.builder().setEpochs(2).optBatchSize(16).optLearningRate(0.05)
                    .optProgressBar(false).optMeasureFullStep(false).build();
            new Trainer(m, new AdamW(), cfg).fit(data, null);
            float after = m.layer("prelu").learnableParameters().get("temp").getArray().toFloatArray()[0];
            assertTrue(before != after, "temp trained: " + before + " -> " + after);
            m.group("base").freeze();
            new Trainer(m, new AdamW(), cfg).fit(data, null);
            assertEquals(after, m.layer("prelu").learnableParameters().get("temp").getArray().toFloatArray()[0],
                    "frozen with its group");
        }
    }
}
