package dev.frost.freeze.optim;

import ai.djl.ndarray.NDArray;
import dev.frost.FrostException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's update rule and bias correction. */
public final class AdamW extends Optimizer {
    private double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || epsilon <= 0 || weightDecay < 0) {
            throw new FrostException("adamw: betas must be in [0, 1), epsilon > 0, weight decay >= 0; got betas "
                    + beta1 + ", " + beta2 + ", epsilon " + epsilon + ", weight decay " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW() {
        this(0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    public void setMomentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new FrostException("adamw: beta1 must be in [0, 1), got " + momentum);
        }
        this.beta1 = momentum;
    }

    @Override
    public String type() {
        return "adamw";
    }

    @Override
    public Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("epsilon", epsilon);
        m.put("weightDecay", weightDecay);
        return m;
    }

    @Override
    protected List<String> bufferNames() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    /**
     * PyTorch's AdamW step with two temporaries per parameter (as PyTorch's own loop): the moments are updated in
     * place as {@code m = (m·β/(1-β) + g)·(1-β)}, and the gradient, zeroed right after the update, holds g². Each
     * temporary is the size of the parameter (47 MB for a BERT's embedding table).
     */
    @Override
    protected void update(NDArray weight, NDArray grad, State state, double lr, boolean decay) {
        if (decay && weightDecay != 0) {
            weight.muli(1 - lr * weightDecay);
        }
        NDArray m = state.buffers.get("exp_avg");
        NDArray v = state.buffers.get("exp_avg_sq");
        moment(m, grad, beta1);
        grad.muli(grad);
        moment(v, grad, beta2);
        double bc1 = 1 - Math.pow(beta1, state.steps);
        double bc2 = 1 - Math.pow(beta2, state.steps);
        // m / (sqrt(v)/sqrt(bc2) + eps) rewritten as sqrt(bc2)·m / (sqrt(v) + eps·sqrt(bc2)): one pass fewer
        double s = Math.sqrt(bc2);
        NDArray denom = temp(v.sqrt()).addi(epsilon * s);
        // not m.copyTo(grad): DJL's copyTo re-points the tensor at a Java buffer, which dies with this handle
        weight.subi(temp(m.div(denom)).muli(lr * s / bc1));
    }

    /** {@code avg = β·avg + (1-β)·x} in place (β < 1; β = 0 gives {@code avg = x}). */
    private static void moment(NDArray avg, NDArray x, double beta) {
        avg.muli(beta / (1 - beta)).addi(x).muli(1 - beta);
    }
}
