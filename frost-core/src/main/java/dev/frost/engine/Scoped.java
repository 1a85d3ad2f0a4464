package dev.frost.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * Runs a piece of a forward pass so that the arrays it makes on the way are freed when it returns. DJL would hold
 * every array of a batch until the batch's manager closes, which on a transformer is most of a step's memory
 * (attention scores before the mask and the softmax, FFN pre-activations, the copies a wiring makes); libtorch's
 * autograd keeps a reference of its own to whatever backward needs, so freeing the handles is safe while recording.
 */
public final class Scoped {
    private Scoped() {}

    /**
     * Applies {@code op} to {@code x}; the result moves to {@code x}'s manager. With {@code consume}, {@code x} is
     * freed too (a chain's previous output that nothing else reads); without it, {@code x} stays where it was.
     */
    public static NDArray apply(NDArray x, boolean consume, UnaryOperator<NDArray> op) {
        NDManager home = x.getManager();
        try (NDManager scope = home.newSubManager()) {
            if (consume) {
                x.attach(scope);
            } else {
                x.tempAttach(scope); // ops on x now land in the scope; x returns home when the scope closes
            }
            NDArray out = op.apply(x);
            if (out == x) {
                if (consume) {
                    out.attach(home); // op returned its input: keep it after all
                }
            } else if (out.getManager() == scope) {
                out.attach(home);
            } // else op returned an array it did not make here (a parameter, a side input): it stays with its owner
            return out;
        }
    }
}
