package dev.frost.freeze.optim;

import ai.djl.ndarray.NDArray;
import dev.frost.FrostException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SGD with optional (Nesterov) momentum and L2 weight decay, with PyTorch's update rule. */
public final class Sgd extends Optimizer {
    private double momentum;
    private final boolean nesterov;
    private final double weightDecay;

    public Sgd(double momentum, boolean nesterov, double weightDecay) {
        if (momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new FrostException("sgd: momentum must be in [0, 1) and weight decay >= 0, got momentum "
                    + momentum + ", weight decay " + weightDecay);
        }
        if (nesterov && momentum == 0) {
            throw new FrostException("sgd: Nesterov momentum needs momentum > 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    @Override
    public String type() {
        return "sgd";
    }

    @Override
    public Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("momentum", momentum);
        m.put("nesterov", nesterov);
        m.put("weightDecay", weightDecay);
        return m;
    }

    @Override
    public void setMomentum(double m) {
        if (momentum == 0 || !(m > 0 && m < 1)) {
            throw new FrostException("sgd: momentum can be scheduled in (0, 1) only when it was on from the start;"
                    + " got " + m + " (initial " + momentum + ")");
        }
        this.momentum = m;
    }

    @Override
    protected List<String> bufferNames() {
        return momentum > 0 ? List.of("momentum") : List.of();
    }

    @Override
    protected void update(NDArray weight, NDArray grad, State state, double lr, boolean decay) {
        NDArray d = grad;
        if (decay && weightDecay != 0) {
            d = d.add(temp(weight.mul(weightDecay)));
        }
        if (momentum > 0) {
            NDArray buf = state.buffers.get("momentum");
            if (state.steps == 1) {
                buf.addi(d);
            } else {
                buf.muli(momentum).addi(d);
            }
            d = nesterov ? d.add(temp(buf.mul(momentum))) : buf;
        }
        weight.subi(temp(d.mul(lr)));
    }
}
