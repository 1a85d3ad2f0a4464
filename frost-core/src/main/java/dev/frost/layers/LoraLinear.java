package dev.frost.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;
import dev.frost.engine.Scalars;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Linear layer with a LoRA adapter: {@code y = W·x + b + s·B·A·dropout(x)}, {@code s = alpha/r} (rsLoRA:
 * {@code alpha/sqrt(r)}). It is a composite of kind {@link LayerKind#LORA} whose sub-layers carry PEFT's in-memory
 * names, so its tensors are {@code fc1.base_layer.weight}, {@code fc1.lora_A.weight} ([r, in]) and
 * {@code fc1.lora_B.weight} ([out, r]): {@code base_layer} reuses the original Linear's block (no copy) and is frozen
 * by the ordinary switches; {@code lora_dropout} exists only for a positive rate (PEFT's Identity otherwise).
 *
 * <p>A starts as PEFT's {@code kaiming_uniform_(A, a=sqrt(5))}, which is {@code U(-1/sqrt(in), 1/sqrt(in))}, and B at
 * zero, so the adapted layer starts bit-identical to the base. Merged, the adapter is folded into W and skipped.
 */
public final class LoraLinear {
    public static final String BASE = "base_layer";
    public static final String A = "lora_A";
    public static final String B = "lora_B";
    public static final String DROPOUT = "lora_dropout";

    private final Layer layer;
    private final int rank;
    private final boolean hasDropout;
    private float scaling;
    private boolean merged;

    private LoraLinear(Layer linear, int rank, float scaling, float dropout, NDManager manager) {
        this.rank = rank;
        this.scaling = scaling;
        this.hasDropout = dropout > 0f;
        long in = linear.learnableParameters().get("weight").getShape().get(1);
        Layer base = new Layer(BASE, LayerKind.LINEAR, linear.block());
        base.setTrainable(false);
        Linear a = Linear.builder().setUnits(rank).optBias(false).build();
        a.setInitializer(new UniformInitializer((float) (1.0 / Math.sqrt(in))), Parameter.Type.WEIGHT);
        long out = linear.outputShape().get(linear.outputShape().dimension() - 1);
        Linear b = Linear.builder().setUnits(out).optBias(false).build();
        b.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        List<Layer> children = new ArrayList<>(List.of(base));
        if (hasDropout) {
            children.add(Layers.dropout(DROPOUT, dropout));
        }
        children.add(new Layer(A, LayerKind.LINEAR, a));
        children.add(new Layer(B, LayerKind.LINEAR, b));
        // the scaled add: one multiply and one add per output element
        this.layer = new Layer(linear.name(), LayerKind.LORA, children, this::forward,
                l -> 2L * l.outputShape().size());
        layer.initialize(manager, linear.inputShape());
    }

    /**
     * Wraps an initialized Linear leaf, keeping its weights (they are not copied), and draws A from libtorch's
     * generator (seed it first). {@code rank} must be in {@code 1..min(in, out)}.
     */
    public static LoraLinear wrap(Layer linear, int rank, float scaling, float dropout, NDManager manager) {
        if (linear.isComposite() || linear.kind() != LayerKind.LINEAR) {
            throw new FrostException("layer '" + linear.name() + "' is " + linear.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not a Linear layer: LoRA adapts Linear layers only");
        }
        Parameter w = linear.learnableParameters().get("weight");
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        if (rank <= 0 || rank > Math.min(in, out)) {
            throw new FrostException("layer '" + linear.name() + "': LoRA rank " + rank + " must be in 1.."
                    + Math.min(in, out) + " (min of in " + in + " and out " + out + ")");
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new FrostException("layer '" + linear.name() + "': LoRA dropout must be in [0, 1), got " + dropout);
        }
        return new LoraLinear(linear, rank, scaling, dropout, manager);
    }

    private NDArray forward(NDArray x, Wiring.Children c) {
        NDArray y = c.run(BASE, x);
        if (merged) {
            return y;
        }
        NDArray h = hasDropout ? c.run(DROPOUT, x) : x;
        // scaled at rank width, not output width: the same sum, a kernel over r columns instead of out; added into
        // the base's output in place (a Linear's backward does not read its own output), saving an output-sized array
        return y.addi(c.run(B, Scalars.mul(c.run(A, h), scaling)));
    }

    /**
     * Puts this adapted layer in place of the Linear at dotted {@code path} below {@code top} (e.g.
     * {@code "body.fc1"} under {@code res1}); the FLOPs of every composite above it are recounted.
     */
    public void installIn(Layer top, String path) {
        String[] parts = path.split("\\.");
        List<Layer> chain = new ArrayList<>(List.of(top));
        for (int i = 0; i < parts.length - 1; i++) {
            chain.add(chain.get(i).sublayer(parts[i]));
        }
        chain.get(chain.size() - 1).replaceChild(layer);
        for (int i = chain.size() - 2; i >= 0; i--) {
            chain.get(i).recountFlops();
        }
    }

    /** The adapted layer: a composite of kind LORA with the original Linear's name. */
    public Layer layer() {
        return layer;
    }

    public int rank() {
        return rank;
    }

    public float scaling() {
        return scaling;
    }

    /** Changes the scale (a loaded adapter's alpha); only while unmerged, since a merged W holds the old scale. */
    public void setScaling(float scaling) {
        if (merged) {
            throw new FrostException("layer '" + layer.name() + "': unmerge the adapter before changing its scale");
        }
        this.scaling = scaling;
    }

    public boolean isMerged() {
        return merged;
    }

    /** The base weight W [out, in], bias, A [r, in] and B [out, r] by PEFT's local names. */
    public Map<String, Parameter> tensors() {
        return layer.learnableParameters();
    }

    public Parameter loraA() {
        return tensors().get(A + ".weight");
    }

    public Parameter loraB() {
        return tensors().get(B + ".weight");
    }

    public Parameter baseWeight() {
        return tensors().get(BASE + ".weight");
    }

    /** Folds the adapter into the base weight ({@code W += s·B·A}); the forward pass then skips it. */
    public void merge() {
        if (merged) {
            throw new FrostException("layer '" + layer.name() + "': the adapter is already merged");
        }
        addDelta(1f);
        merged = true;
    }

    /** Takes the adapter back out of the base weight ({@code W -= s·B·A}), equal to before within float rounding. */
    public void unmerge() {
        if (!merged) {
            throw new FrostException("layer '" + layer.name() + "': the adapter is not merged");
        }
        addDelta(-1f);
        merged = false;
    }

    private void addDelta(float sign) {
        Autograd.withoutRecording(() -> {
            NDArray w = baseWeight().getArray();
            try (NDArray delta = loraB().getArray().matMul(loraA().getArray()).muli(sign * scaling)) {
                w.addi(delta);
            }
            return null;
        });
    }

    @Override
    public String toString() {
        return layer.name() + "(lora r=" + rank + ", scaling=" + scaling + (merged ? ", merged" : "") + ")";
    }
}
