package dev.frost.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.Untrusted;
import dev.frost.io.AtomicFiles;
import dev.frost.io.SafeTensors;
import dev.frost.model.FrostModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads a torchvision state dict saved as safetensors ({@code layer1.0.bn1.running_mean}, ...) into a model built
 * by {@link TorchvisionResNet#build}. Strict and all-or-nothing: every tensor's name and shape is checked before the
 * first value is copied, and any mismatch throws one line listing the missing, unexpected and misshapen tensors.
 * {@code num_batches_tracked} entries are ignored (they only matter for BatchNorm with momentum None).
 * {@link #save} writes the other direction, for PyTorch's {@code model.load_state_dict(load_file(path),
 * strict=False)}.
 */
public final class TorchvisionWeights {
    private static final int LISTED = 4;

    private TorchvisionWeights() {}

    /** Reads {@code file} and copies every tensor into {@code model}; returns the number of values copied. */
    public static long load(FrostModel model, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FrostException("cannot read torchvision weights " + file + ": " + Untrusted.reason(e), e);
        }
        return load(model, SafeTensors.parse(bytes, file.toString(), TorchvisionWeights::ignored), file.toString());
    }

    /** Copies parsed tensors ({@link SafeTensors#parse}) into {@code model}; {@code what} names them in errors. */
    public static long load(FrostModel model, Map<String, SafeTensors.Tensor> tensors, String what) {
        Map<String, Parameter> targets = new LinkedHashMap<>();
        model.stateTensors().forEach((path, p) -> targets.put(TorchvisionResNet.torchvisionName(path), p));
        Set<String> missing = new TreeSet<>(targets.keySet());
        List<String> unexpected = new ArrayList<>();
        List<String> misshapen = new ArrayList<>();
        for (SafeTensors.Tensor t : tensors.values()) {
            if (ignored(t.name())) {
                continue;
            }
            Parameter p = targets.get(t.name());
            if (p == null) {
                unexpected.add(t.name());
                continue;
            }
            missing.remove(t.name());
            Shape want = p.getArray().getShape();
            if (!want.equals(new Shape(t.shape()))) {
                misshapen.add(t.name() + " " + Arrays.toString(t.shape()) + " (model " + Arrays.toString(
                        want.getShape()) + ")");
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshapen.isEmpty()) {
            throw new FrostException(what + " does not fit the model: missing " + list(missing) + ", unexpected "
                    + list(unexpected) + (misshapen.isEmpty() ? "" : ", wrong shape " + list(misshapen))
                    + " (names as torchvision's state_dict, e.g. layer1.0.bn1.running_mean)");
        }
        long copied = 0;
        for (SafeTensors.Tensor t : tensors.values()) {
            Parameter p = targets.get(t.name());
            if (p != null) {
                p.getArray().set(t.data());
                copied += t.data().length;
            }
        }
        return copied;
    }

    /** The model's tensors under torchvision's names, as float32 safetensors (no num_batches_tracked). */
    public static void save(FrostModel model, Path file) {
        Map<String, NDArray> named = new LinkedHashMap<>();
        model.stateTensors().forEach((path, p) -> named.put(TorchvisionResNet.torchvisionName(path), p.getArray()));
        AtomicFiles.write(file, SafeTensors.encodeFloat32(named, Map.of("format", "pt")));
    }

    /** BatchNorm's step counter, stored as I64 by PyTorch: Frost's BatchNorm has a fixed momentum and none. */
    private static boolean ignored(String name) {
        return name.equals("num_batches_tracked") || name.endsWith(".num_batches_tracked");
    }

    /** The first few names and, past them, how many there are in all. */
    private static String list(Collection<String> names) {
        return names.stream().limit(LISTED).map(n -> Untrusted.printable(n, Untrusted.NAME_CHARS))
                .collect(Collectors.joining(", ", names.size() + " [", names.size() > LISTED ? ", ...]" : "]"));
    }
}
