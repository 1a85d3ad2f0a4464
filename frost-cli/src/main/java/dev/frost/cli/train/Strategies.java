package dev.frost.cli.train;

import dev.frost.FrostException;
import dev.frost.freeze.optim.DiscriminativeLr;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.policy.AutoFreeze;
import dev.frost.policy.CostAwareFreeze;
import dev.frost.policy.FreezeOut;
import dev.frost.policy.FreezeSchedule;
import dev.frost.policy.GradualUnfreezing;
import dev.frost.policy.LinearFreezing;
import dev.frost.train.Callback;
import dev.frost.train.LrSchedule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A strategy as phases: each phase is one fit call with its own trainer, schedule and freeze setup, exactly as
 * {@code FineTune}'s methods run them, but here the CLI owns every trainer, so each phase checkpoints and resumes.
 */
public final class Strategies {
    /**
     * One fit call. {@code setup} sets the freeze state and rate multipliers before a fresh start (a resume restores
     * them from the checkpoint instead); {@code policies} makes fresh policy callbacks for the phase's trainer.
     */
    public record Phase(String name, int epochs, double lr, String scheduleName, LrSchedule schedule,
                        LrSchedule momentum, long seed, Consumer<FrostModel> setup,
                        Supplier<List<Callback>> policies) {}

    private Strategies() {}

    /** The phases of {@code spec}'s strategy for {@code model}; every inconsistency is refused here, before work. */
    public static List<Phase> phases(RunSpec spec, FrostModel model) {
        RunSpec.Strategy s = spec.strategy();
        RunSpec.Trainer t = spec.trainer();
        int epochs = t.epochs();
        double lr = t.lr();
        long seed = spec.run().seed();
        int groups = model.groups().size();
        LrSchedule own = named(t.schedule());
        boolean trainBn = s.trainBn();
        List<Phase> out = new ArrayList<>();
        switch (s.type()) {
            case "full" -> out.add(new Phase("train", epochs, lr, t.schedule(), own, null, seed,
                    m -> uniform(m.unfreeze(), trainBn), List::of));
            case "manual" -> {
                Set<String> names = new HashSet<>();
                model.groups().forEach(g -> names.add(g.name()));
                for (String g : s.frozenGroups()) {
                    if (!names.contains(g)) {
                        throw new FrostException("strategy.frozen_groups: the model has no group '" + g
                                + "' (groups: " + groupNames(model) + ")");
                    }
                }
                if (new HashSet<>(s.frozenGroups()).containsAll(names)) {
                    throw new FrostException("strategy.frozen_groups freezes every group of the model ("
                            + groupNames(model) + "): nothing would train");
                }
                List<String> frozen = List.copyOf(s.frozenGroups());
                out.add(new Phase("train", epochs, lr, t.schedule(), own, null, seed, m -> {
                    m.unfreeze();
                    frozen.forEach(g -> m.group(g).freeze());
                    uniform(m, trainBn);
                }, List::of));
            }
            case "feature-extraction" -> out.add(oneCycle("head", epochs, lr, 0.25, 25, seed,
                    m -> uniform(m.freeze(), trainBn), List::of));
            case "fine-tune" -> {
                int keep = s.keepFrozen();
                if (keep < 0 || keep >= groups) {
                    throw new FrostException("strategy.keep_frozen must be in 0.." + (groups - 1) + " (the model has "
                            + groups + " groups: " + groupNames(model) + "), got " + keep);
                }
                if (s.freezeEpochs() < 0) {
                    throw new FrostException("strategy.freeze_epochs must be >= 0, got " + s.freezeEpochs());
                }
                if (!(s.lrMult() >= 1)) {
                    throw new FrostException("strategy.lr_mult must be >= 1, got " + s.lrMult());
                }
                if (s.freezeEpochs() > 0) {
                    out.add(oneCycle("frozen", s.freezeEpochs(), lr, 0.99, 25, seed,
                            m -> uniform(m.freeze(), trainBn), List::of));
                }
                double half = lr / 2;
                double mult = s.lrMult();
                out.add(oneCycle("unfrozen", epochs, half, 0.3, 5, seed + 1, m -> {
                    m.freezeTo(keep).setTrainBn(trainBn);
                    DiscriminativeLr.spread(m, keep, half / mult, half);
                }, List::of));
            }
            case "gradual-unfreezing" -> {
                int per = s.epochsPerStage();
                new GradualUnfreezing(per, 2.6); // validates
                out.add(oneCycle("gradual", epochs, lr, 0.25, 25, seed, m -> m.setTrainBn(trainBn),
                        () -> List.of(new GradualUnfreezing(per, 2.6))));
            }
            case "policy" -> {
                Supplier<List<Callback>> p = policy(s, groups);
                out.add(new Phase(s.policy(), epochs, lr, t.schedule(), own, null, seed,
                        m -> uniform(m.unfreeze(), trainBn), p));
            }
            case "lora" -> {
                if (model.stateTensors().keySet().stream().noneMatch(k -> k.contains(".lora_A."))) {
                    throw new FrostException("strategy.type lora: the model has no LoRA adapters");
                }
                // the adapters' freeze state (base frozen, adapters and modules_to_save trainable) is the setup
                out.add(new Phase("train", epochs, lr, t.schedule(), own, null, seed, m -> uniform(m, trainBn),
                        List::of));
            }
            default -> throw new FrostException("strategy.type: unknown strategy '" + s.type() + "' (use full,"
                    + " feature-extraction, fine-tune, gradual-unfreezing, policy, manual or lora)");
        }
        if (groups < 2 && !s.type().equals("full") && !s.type().equals("lora")) {
            throw new FrostException("strategy.type " + s.type() + " needs a model of at least two groups, this one"
                    + " has " + groupNames(model));
        }
        return out;
    }

    private static Phase oneCycle(String name, int epochs, double lr, double pct, double div, long seed,
                                  Consumer<FrostModel> setup, Supplier<List<Callback>> policies) {
        return new Phase(name, epochs, lr, "onecycle", LrSchedule.oneCycle(pct, div, 1e5),
                LrSchedule.momentumCycle(pct, 0.95, 0.85), seed, setup, policies);
    }

    private static Supplier<List<Callback>> policy(RunSpec.Strategy s, int groups) {
        try {
            Supplier<List<Callback>> made = switch (s.policy()) {
                case "freezeout" -> {
                    RunSpec.FreezeOut f = s.freezeout();
                    FreezeOut.Scale scale = enumOf(FreezeOut.Scale.class, "strategy.freezeout.scale", f.scale());
                    yield () -> List.of(new FreezeOut(f.t0(), scale, f.scaled()));
                }
                case "autofreeze" -> {
                    RunSpec.AutoFreeze a = s.autofreeze();
                    yield () -> List.of(new AutoFreeze(a.percentile(), a.interval()));
                }
                case "schedule" -> {
                    var map = s.schedule().frozenGroupsByEpoch();
                    if (map.isEmpty()) {
                        throw new FrostException("strategy.schedule.frozen_groups_by_epoch is empty, e.g. {0: 0, 2: 1}");
                    }
                    map.forEach((e, n) -> {
                        if (e < 0 || n < 0 || n >= groups) {
                            throw new FrostException("strategy.schedule.frozen_groups_by_epoch: " + e + ": " + n
                                    + " must be an epoch >= 0 and a group count in 0.." + (groups - 1));
                        }
                    });
                    yield () -> List.of(new FreezeSchedule(map));
                }
                case "linear" -> {
                    RunSpec.Linear l = s.linear();
                    yield () -> List.of(new LinearFreezing(l.freezeStart(), l.freezeLevel()));
                }
                case "auto" -> {
                    RunSpec.AutoFreeze a = s.autofreeze();
                    yield () -> List.of(new CostAwareFreeze(a.percentile(), a.interval(), null, 3, 3));
                }
                default -> throw new FrostException("strategy.policy: unknown policy '" + s.policy()
                        + "' (use freezeout, autofreeze, auto, schedule or linear)");
            };
            made.get(); // the policy's own checks, now rather than at the first step
            return made;
        } catch (FrostException e) {
            throw e.getMessage().startsWith("strategy.") ? e
                    : new FrostException("strategy." + s.policy() + ": " + e.getMessage(), e);
        }
    }

    /** The schedule {@link LrSchedule#named} knows by that name; its error names the config key. */
    static LrSchedule named(String name) {
        try {
            return LrSchedule.named(name);
        } catch (FrostException e) {
            throw new FrostException("trainer.schedule: " + e.getMessage(), e);
        }
    }

    static <E extends Enum<E>> E enumOf(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw new FrostException(key + ": unknown value '" + value + "' (use " + String.join(", ", names) + ")");
        }
    }

    private static FrostModel uniform(FrostModel m, boolean trainBn) {
        m.setTrainBn(trainBn);
        DiscriminativeLr.uniform(m);
        return m;
    }

    static String groupNames(FrostModel m) {
        return String.join(", ", m.groups().stream().map(LayerGroup::name).toList());
    }
}
