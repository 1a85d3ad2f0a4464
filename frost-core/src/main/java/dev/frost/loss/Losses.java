package dev.frost.loss;

import ai.djl.ndarray.NDArray;
import dev.frost.FrostException;
import dev.frost.data.LabelKind;
import dev.frost.engine.Scalars;

/** The standard losses, each computed from raw model outputs (logits for classification). */
public final class Losses {
    private Losses() {}

    /** The loss a dataset's label kind calls for: softmax cross-entropy, binary cross-entropy, or MSE. */
    public static Loss defaultFor(LabelKind kind) {
        return switch (kind) {
            case CLASS -> softmaxCrossEntropy();
            case MULTI_LABEL -> binaryCrossEntropy();
            case REGRESSION -> mse();
        };
    }

    /** Refuses a loss on labels it cannot read ({@link Loss#labelKind()}; a loss that names none reads any). */
    public static void check(Loss loss, LabelKind kind) {
        LabelKind needs = loss.labelKind();
        if (needs != null && needs != kind) {
            throw new FrostException("loss " + loss.name() + " needs " + needs + " labels, the dataset has " + kind
                    + " labels (the default for them: " + defaultFor(kind).name() + ")");
        }
    }

    public static Loss softmaxCrossEntropy() {
        return softmaxCrossEntropy(0);
    }

    /**
     * Softmax cross-entropy over class ids, with label smoothing {@code eps} as PyTorch's {@code label_smoothing}:
     * the target is {@code 1 - eps} on the class plus {@code eps / classes} everywhere.
     */
    public static Loss softmaxCrossEntropy(double eps) {
        if (!(eps >= 0 && eps < 1)) {
            throw new FrostException("label smoothing must be in [0, 1), got " + eps);
        }
        return named(LabelKind.CLASS,
                eps == 0 ? "softmax_cross_entropy" : "softmax_cross_entropy(smoothing=" + eps + ")",
                (logits, labels) -> {
                    NDArray logp = logits.logSoftmax(-1);
                    NDArray nll = logp.gather(labels.reshape(-1, 1), 1).mean().neg();
                    if (eps == 0) {
                        return nll;
                    }
                    NDArray uniform = logp.mean(new int[] {-1}).mean().neg();
                    return Scalars.mul(nll, 1 - eps).add(Scalars.mul(uniform, eps));
                });
    }

    /** Binary cross-entropy on logits, per label, averaged (multi-label classification); numerically stable. */
    public static Loss binaryCrossEntropy() {
        return named(LabelKind.MULTI_LABEL, "binary_cross_entropy", (logits, targets) -> {
            // max(x, 0) - x*y + log(1 + exp(-|x|))
            NDArray x = logits;
            return Scalars.maximum(x, 0).sub(x.mul(targets)).add(Scalars.add(x.abs().neg().exp(), 1).log()).mean();
        });
    }

    public static Loss mse() {
        return named(LabelKind.REGRESSION, "mse", (p, t) -> p.sub(t.reshape(p.getShape())).square().mean());
    }

    public static Loss l1() {
        return named(LabelKind.REGRESSION, "l1", (p, t) -> p.sub(t.reshape(p.getShape())).abs().mean());
    }

    /** Huber (smooth L1) with threshold {@code delta}, as PyTorch's {@code HuberLoss}. */
    public static Loss huber(double delta) {
        if (!(delta > 0)) {
            throw new FrostException("huber delta must be positive, got " + delta);
        }
        return named(LabelKind.REGRESSION, "huber(delta=" + delta + ")", (p, t) -> {
            NDArray a = p.sub(t.reshape(p.getShape())).abs();
            NDArray quad = Scalars.minimum(a, delta);
            // 0.5*q^2 + delta*(a - q): quadratic inside delta, linear outside
            return Scalars.mul(quad.square(), 0.5).add(Scalars.mul(a.sub(quad), delta)).mean();
        });
    }

    private static Loss named(LabelKind kind, String name, java.util.function.BinaryOperator<NDArray> f) {
        return new Loss() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public LabelKind labelKind() {
                return kind;
            }

            @Override
            public NDArray compute(NDArray predictions, NDArray labels) {
                return f.apply(predictions, labels);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
