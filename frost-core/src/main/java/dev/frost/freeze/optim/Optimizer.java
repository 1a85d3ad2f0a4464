package dev.frost.freeze.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.frost.engine.Autograd;
import dev.frost.engine.FrostEngine;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A first-order optimizer over parameter groups. Lifecycle: {@link #step} after each backward pass (it also zeroes
 * the gradients it consumed); state is created lazily for a parameter on its first update and dropped as soon as the
 * parameter is no longer in any group (frozen), so an unfrozen parameter starts with fresh state.
 */
public abstract class Optimizer implements AutoCloseable {
    /**
     * Per-parameter state: named buffers (created zero, shaped like the parameter, owned by the optimizer) and the
     * number of updates applied, this one included.
     */
    protected static final class State {
        final Map<String, NDArray> buffers = new LinkedHashMap<>();
        long steps;
        /** The parameter this state was built for; null for state loaded from a checkpoint (adopted on first use). */
        Parameter owner;

        /** The buffer named in {@link #bufferNames()}. */
        public NDArray buffer(String name) {
            NDArray b = buffers.get(name);
            if (b == null) {
                throw new dev.frost.FrostException("optimizer state has no buffer '" + name + "'");
            }
            return b;
        }

        /** Updates applied to this parameter, counting the current one (1 on its first update). */
        public long steps() {
            return steps;
        }
    }

    private final Map<String, State> states = new LinkedHashMap<>();
    /**
     * Owns the state buffers. Created on first use under the model's manager, so an optimizer nobody closes is
     * still freed with its model; {@link #close()} frees it earlier.
     */
    private NDManager stateManager;
    private NDManager scratch;

    /** Short name used in checkpoints ("sgd", "adamw"). */
    public abstract String type();

    /** Hyper-parameters, for checkpoints and logs. */
    public abstract Map<String, Object> hyperParameters();

    /**
     * Sets the momentum for the coming updates (SGD's momentum, Adam's beta1), for fastai's momentum cycling.
     * Optimizers without momentum refuse.
     */
    public void setMomentum(double momentum) {
        throw new dev.frost.FrostException("optimizer '" + type() + "' has no momentum to schedule");
    }

    /** Names of the per-parameter buffers this optimizer keeps. */
    protected abstract List<String> bufferNames();

    /**
     * Updates {@code weight} in place from {@code grad}; buffers of {@code state} are allocated already.
     * {@code decay} is false for parameters exempt from weight decay (biases and normalization, when asked).
     */
    protected abstract void update(NDArray weight, NDArray grad, State state, double lr, boolean decay);

    /**
     * Applies one update with learning rate {@code baseLr × group multiplier} to every parameter in the groups and
     * zeroes its gradient. Parameters not in a group lose their state.
     */
    public final void step(List<ParamGroup> groups, double baseLr) {
        Set<String> live = new HashSet<>();
        NDManager owner = null;
        for (ParamGroup g : groups) {
            for (Parameter p : g.parameters().values()) {
                owner = p.getArray().getManager();
                break;
            }
            if (owner != null) {
                break;
            }
        }
        try (NDManager tmp = owner == null ? FrostEngine.newManager() : manager(owner).newSubManager()) {
            scratch = tmp;
            Autograd.withoutRecording(() -> {
                for (ParamGroup g : groups) {
                    double lr = baseLr * g.lrMultiplier();
                    for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
                        live.add(e.getKey());
                        NDArray weight = e.getValue().getArray();
                        // each parameter's temporaries (several of its size) are freed before the next one's
                        // update: kept to the end of the step they would add about 4 bytes x 4 per weight
                        try (NDManager one = tmp.newSubManager()) {
                            scratch = one;
                            NDArray grad = weight.getGradient();
                            grad.attach(one);
                            State st = stateFor(e.getKey(), e.getValue());
                            st.steps++;
                            update(weight, grad, st, lr, g.decay());
                            Autograd.zeroGrad(weight);
                        }
                    }
                }
                return null;
            });
        } finally {
            scratch = null;
        }
        states.keySet().removeIf(name -> {
            if (live.contains(name)) {
                return false;
            }
            states.get(name).buffers.values().forEach(NDArray::close);
            return true;
        });
    }

    private NDManager manager(NDManager model) {
        if (stateManager == null || !stateManager.isOpen()) {
            stateManager = model.newSubManager();
        }
        return stateManager;
    }

    /**
     * The state of parameter {@code name}, fresh when the stored one was built for another parameter of that name
     * (this optimizer reused for a second model, a fold, a replaced layer): its moments belong to another tensor.
     */
    private State stateFor(String name, Parameter p) {
        State st = states.get(name);
        if (st != null && st.owner != null && st.owner != p) {
            st.buffers.values().forEach(NDArray::close);
            st = null;
        }
        if (st == null) {
            st = newState(p.getArray());
            states.put(name, st);
        }
        st.owner = p;
        return st;
    }

    private State newState(NDArray weight) {
        State st = new State();
        for (String b : bufferNames()) {
            NDArray buf = weight.zerosLike();
            buf.attach(stateManager);
            st.buffers.put(b, buf);
        }
        return st;
    }

    /** Moves a temporary into this step's scratch scope so it is freed with it. */
    protected final NDArray temp(NDArray array) {
        array.attach(scratch);
        return array;
    }

    /** Whether the optimizer holds state for this qualified parameter name. */
    public final boolean hasState(String parameterName) {
        return states.containsKey(parameterName);
    }

    /** Number of parameters that own state. */
    public final int stateCount() {
        return states.size();
    }

    public final Set<String> statefulParameters() {
        return Set.copyOf(states.keySet());
    }

    /** Buffers kept per parameter (what full training's optimizer state costs per parameter value). */
    public final int buffersPerParameter() {
        return bufferNames().size();
    }

    /** Bytes of the state held now. */
    public final long stateBytes() {
        long b = 0;
        for (State st : states.values()) {
            for (NDArray a : st.buffers.values()) {
                b += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
        }
        return b;
    }

    /** Drops all state (fastai's {@code clear_state}). */
    public final void clearState() {
        states.values().forEach(s -> s.buffers.values().forEach(NDArray::close));
        states.clear();
    }

    /** Buffers by {@code parameter:buffer}, for checkpoints. The arrays stay owned by the optimizer. */
    public final Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        states.forEach((name, st) -> st.buffers.forEach((b, arr) -> out.put(name + ":" + b, arr)));
        return out;
    }

    /** Update counts by parameter name, for checkpoints. */
    public final Map<String, Long> stepCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        states.forEach((name, st) -> out.put(name, st.steps));
        return out;
    }

    /** Replaces all state with copies of the given buffers and counts (as written by {@link #stateArrays}). */
    public final void loadState(Map<String, NDArray> arrays, Map<String, Long> steps) {
        clearState();
        steps.forEach((name, count) -> {
            State st = new State();
            st.steps = count;
            for (String b : bufferNames()) {
                NDArray src = arrays.get(name + ":" + b);
                if (src == null) {
                    throw new dev.frost.FrostException("optimizer state for '" + name + "' lacks buffer '" + b + "'");
                }
                if (stateManager == null) {
                    stateManager = FrostEngine.newManager(); // no model in sight yet: closed by close()
                }
                NDArray copy = stateManager.create(src.getShape(), src.getDataType());
                src.copyTo(copy);
                st.buffers.put(b, copy);
            }
            states.put(name, st);
        });
    }

    @Override
    public void close() {
        clearState();
        if (stateManager != null) {
            stateManager.close();
        }
    }
}
