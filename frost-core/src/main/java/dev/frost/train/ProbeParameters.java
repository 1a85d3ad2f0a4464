package dev.frost.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.frost.model.FrostModel;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Parameter values for a measuring probe: the chosen parameters are replaced by copies that require a gradient, so a
 * probe's backward pass does the work of training them while their gradients land on the copies (freed with
 * {@code manager}); the model's own weights, gradient buffers and freeze state are never touched.
 */
final class ProbeParameters {
    private ProbeParameters() {}

    static ParameterStore copying(FrostModel model, NDManager manager, Predicate<Parameter> which) {
        Map<Parameter, NDArray> copies = new IdentityHashMap<>();
        for (Parameter p : model.learnableParameters().values()) {
            if (which.test(p)) {
                NDArray c = p.getArray().duplicate();
                c.attach(manager);
                c.setRequiresGradient(true);
                copies.put(p, c);
            }
        }
        return new ParameterStore(manager, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                NDArray c = copies.get(parameter);
                return c != null ? c : super.getValue(parameter, device, training);
            }
        };
    }
}
