package dev.frost.cli.dashboard;

import dev.frost.FrostException;
import dev.frost.io.Checkpoints;
import dev.frost.layers.Layer;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.policy.FreezePolicy;
import dev.frost.train.Callback;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the page's commands on the training thread, at a step boundary, or refuses them with a one-line reason:
 * freezing everything, an unknown group or layer, or changing groups while a freezing policy controls them (the
 * user detaches the policies first; the trainer then stops calling them for the rest of the run).
 */
final class DashboardCommands {
    private final DashboardState state;
    private volatile Path checkpointDir;

    DashboardCommands(DashboardState state, Path checkpointDir) {
        this.state = state;
        this.checkpointDir = checkpointDir;
        state.set("checkpoints", checkpointDir != null);
    }

    void useCheckpoints(Path dir) {
        this.checkpointDir = dir;
        state.set("checkpoints", dir != null);
    }

    Map<String, Object> apply(TrainingContext ctx, DashboardServer.Command c, long step) {
        String refusal;
        try {
            refusal = switch (c.action()) {
                case "freeze", "unfreeze" -> toggle(ctx, c);
                case "detach" -> detach(ctx.trainer());
                case "pause", "resume" -> {
                    boolean pause = c.action().equals("pause");
                    state.set("paused", pause);
                    state.set("status", pause ? "paused" : "training");
                    yield null;
                }
                case "checkpoint" -> checkpoint(ctx);
                default -> "unknown action '" + c.action() + "'";
            };
        } catch (FrostException e) {
            refusal = e.getMessage();
        }
        if (refusal == null && !c.action().equals("checkpoint")) {
            refreshModel(ctx);
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", c.id());
        e.put("action", c.action());
        e.put("group", c.group());
        e.put("layer", c.layer());
        e.put("step", step);
        e.put("applied", refusal == null);
        e.put("reason", refusal);
        if (c.action().equals("checkpoint") && refusal == null) {
            e.put("path", checkpointDir.toAbsolutePath().toString());
        }
        return e;
    }

    private String toggle(TrainingContext ctx, DashboardServer.Command c) {
        FrostModel model = ctx.model();
        boolean freeze = c.action().equals("freeze");
        if (c.group() == null && c.layer() == null) {
            return c.action() + " needs a group or a layer";
        }
        List<String> policies = attachedPolicies(ctx.trainer());
        String what = c.layer() != null ? "layer '" + c.layer() + "'" : "group '" + c.group() + "'";
        if (!policies.isEmpty()) {
            return what + " is controlled by the freezing policy '" + String.join("', '", policies)
                    + "': detach the policy first";
        }
        List<Layer> layers;
        if (c.layer() != null) {
            layers = List.of(model.layer(c.layer()));
        } else {
            LayerGroup g = model.groups().stream().filter(x -> x.name().equals(c.group())).findFirst().orElse(null);
            if (g == null) {
                return "no group '" + c.group() + "'";
            }
            layers = g.layers();
        }
        List<Boolean> was = layers.stream().map(Layer::isTrainable).toList();
        layers.forEach(l -> l.setTrainable(!freeze));
        boolean nothingLeft = model.layers().stream().noneMatch(l -> l.isTrainable() && l.hasLearnableParameters());
        if (freeze && nothingLeft) {
            for (int i = 0; i < layers.size(); i++) {
                layers.get(i).setTrainable(was.get(i));
            }
            return "freezing " + what + " would freeze every group: nothing would be left to train (unfreeze"
                    + " another group first)";
        }
        return null;
    }

    private String detach(Trainer trainer) {
        List<String> detached = new ArrayList<>();
        for (Callback cb : trainer.callbacks()) {
            if (cb instanceof FreezePolicy p && !trainer.isDetached(cb)) {
                trainer.detach(cb);
                detached.add(p.name());
            }
        }
        return detached.isEmpty() ? "no freezing policy is attached" : null;
    }

    private String checkpoint(TrainingContext ctx) {
        Path dir = checkpointDir;
        if (dir == null) {
            return "no checkpoint folder configured for this dashboard";
        }
        try {
            Checkpoints.save(dir, ctx.trainer());
            return null;
        } catch (RuntimeException ex) {
            return "checkpoint failed: " + ex.getMessage();
        }
    }

    static List<String> attachedPolicies(Trainer trainer) {
        List<String> out = new ArrayList<>();
        for (Callback cb : trainer.callbacks()) {
            if (cb instanceof FreezePolicy p && !trainer.isDetached(cb)) {
                out.add(p.name());
            }
        }
        return out;
    }

    /** Publishes the groups (with their layers) and the policies as they are now. */
    void refreshModel(TrainingContext ctx) {
        Trainer trainer = ctx.trainer();
        List<String> policies = attachedPolicies(trainer);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (LayerGroup g : ctx.model().groups()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("frozen", g.isFrozen());
            m.put("parameters", g.parameterCount());
            m.put("policy", policies.isEmpty() ? null : String.join(", ", policies));
            List<Map<String, Object>> layers = new ArrayList<>();
            for (Layer l : g.layers()) {
                Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("name", l.name());
                lm.put("trainable", l.isTrainable());
                lm.put("parameters", l.parameterCount());
                layers.add(lm);
            }
            m.put("layers", layers);
            groups.add(m);
        }
        List<Map<String, Object>> ps = new ArrayList<>();
        for (Callback cb : trainer.callbacks()) {
            if (cb instanceof FreezePolicy p) {
                ps.add(Map.of("name", p.name(), "detached", trainer.isDetached(cb)));
            }
        }
        if (!groups.equals(state.get("groups"))) {
            state.set("groups", groups);
        }
        if (!ps.equals(state.get("policies"))) {
            state.set("policies", ps);
        }
    }
}
