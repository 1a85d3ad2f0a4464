package dev.frost.model;

import dev.frost.layers.Layer;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A model's freeze state as qualified paths, the form checkpoints store: frozen leaf layers at any depth, and
 * parameters frozen on their own inside trainable layers. A model of plain layers gives its frozen layers' names,
 * as checkpoints always held.
 */
final class FrozenPaths {
    private FrozenPaths() {}

    static Set<String> of(List<Layer> layers) {
        Set<String> out = new LinkedHashSet<>();
        for (Layer top : layers) {
            top.tree().forEach((path, l) -> {
                if (l.isComposite()) {
                    return;
                }
                if (!l.isTrainable()) {
                    out.add(path);
                } else {
                    l.learnableParameters((leaf, p) -> !leaf.isParameterTrainable(p))
                            .keySet().forEach(p -> out.add(path + "." + p));
                }
            });
        }
        return out;
    }

    /** Checks that every path names a layer or parameter; changes nothing. */
    static void check(FrostModel model, Collection<String> paths) {
        for (String path : paths) {
            if (path == null) {
                throw new dev.frost.FrostException("a frozen path is null");
            }
            resolve(model, path, false);
        }
    }

    /** Everything trainable, then each path frozen; every path is checked before anything changes. */
    static void restore(FrostModel model, Collection<String> paths) {
        check(model, paths);
        model.layers().forEach(l -> l.setTrainable(true));
        for (String path : paths) {
            resolve(model, path, true);
        }
    }

    /** Finds the layer or parameter at {@code path}, freezing it when asked; unknown paths throw. */
    private static void resolve(FrostModel model, String path, boolean freeze) {
        int dot = path.indexOf('.');
        Layer top = model.layer(dot < 0 ? path : path.substring(0, dot));
        if (dot < 0) {
            if (freeze) {
                top.setTrainable(false);
            }
            return;
        }
        String rest = path.substring(dot + 1);
        if (top.learnableParameters().containsKey(rest)) {
            if (freeze) {
                top.setParameterTrainable(rest, false);
            }
        } else if (!top.isComposite()) {
            top.isParameterTrainable(rest);
        } else {
            Layer sub = top.sublayer(rest);
            if (freeze) {
                sub.setTrainable(false);
            }
        }
    }
}
