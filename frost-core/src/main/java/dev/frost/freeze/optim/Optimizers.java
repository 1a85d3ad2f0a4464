package dev.frost.freeze.optim;

import dev.frost.FrostException;

import java.util.Locale;
import java.util.Map;

/** Factories by name, as the CLI and checkpoints refer to optimizers. */
public final class Optimizers {
    private Optimizers() {}

    public static Optimizer sgd(double momentum, boolean nesterov, double weightDecay) {
        return new Sgd(momentum, nesterov, weightDecay);
    }

    public static Optimizer adamW(double weightDecay) {
        return new AdamW(0.9, 0.999, 1e-8, weightDecay);
    }

    /** Rebuilds an optimizer from {@link Optimizer#type()} and {@link Optimizer#hyperParameters()}. */
    public static Optimizer fromDescription(String type, Map<String, Object> hyper) {
        switch (type.toLowerCase(Locale.ROOT)) {
            case "sgd":
                return new Sgd(num(hyper, "momentum"), Boolean.TRUE.equals(hyper.get("nesterov")),
                        num(hyper, "weightDecay"));
            case "adamw":
                return new AdamW(num(hyper, "beta1"), num(hyper, "beta2"), num(hyper, "epsilon"),
                        num(hyper, "weightDecay"));
            default:
                throw new FrostException("unknown optimizer '" + type + "': use sgd or adamw");
        }
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) {
            throw new FrostException("optimizer hyper-parameter '" + key + "' is missing or not a number");
        }
        return ((Number) v).doubleValue();
    }
}
