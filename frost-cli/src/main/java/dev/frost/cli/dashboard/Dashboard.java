package dev.frost.cli.dashboard;

import ai.djl.nn.Parameter;
import dev.frost.engine.Autograd;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.Callback;
import dev.frost.train.EpochRecord;
import dev.frost.train.FitResult;
import dev.frost.train.Gradients;
import dev.frost.train.StepFlops;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A live training dashboard: a {@link Callback} to add to any trainer (or to every phase of a run), plus an embedded
 * web server (127.0.0.1 unless told otherwise). The page ({@code /?token=...}) shows per-step loss, the epochs' loss
 * and metric curves, step time, the share of full FLOPs executed, per-group gradient norms, the freeze timeline with
 * who made each change, the activation cache, and the groups with their layers, each with a snowflake.
 *
 * <p>Control ({@code POST /api/command}: {@code action} = freeze or unfreeze with {@code group} or {@code layer},
 * detach, pause, resume or checkpoint; optional {@code wait} in ms) needs the token like every other request (see
 * {@link DashboardServer}). Commands wait in a queue and the training thread applies them at the next step boundary
 * (beforeStep); the state reports a change only once applied, with the step it applied at.
 */
public final class Dashboard implements Callback, AutoCloseable {
    /** Header that carries the token. */
    public static final String TOKEN_HEADER = "X-Frost-Token";
    /** The timeline's "by" for changes made from the page. */
    public static final String SOURCE = "dashboard";
    // gradient norms cost a reduction per parameter: at most this often
    private static final long GRAD_EVERY_NANOS = 500_000_000L;

    private final DashboardState state = new DashboardState();
    private final DashboardServer server;
    private final ConcurrentLinkedQueue<DashboardServer.Command> queue = new ConcurrentLinkedQueue<>();
    private final DashboardCommands commands;
    private volatile boolean closed;
    private volatile boolean ended;

    // training thread only
    private long stepStart;
    private long lastGradNanos;
    private long lastCacheNanos;
    private long stepOffset;
    private long absoluteStep;
    private int epochsDone;
    private int timelineSeen;
    private boolean sawFit;

    private Dashboard(String bind, int port, Path checkpointDir) {
        this.commands = new DashboardCommands(state, checkpointDir);
        this.server = new DashboardServer(state, c -> {
            if (closed) {
                return false;
            }
            synchronized (queue) { // against ended(): a command is either refused or drained by it
                if (ended) { // nothing will drain the queue any more
                    c.done().complete(Map.of("id", c.id(), "action", c.action(), "applied", false, "reason",
                            "the run has ended: nothing to control"));
                    return true;
                }
                queue.add(c);
            }
            return true;
        }, bind, port);
    }

    /** Starts the server on 127.0.0.1 ({@code port} 0: any free one; {@code checkpointDir} null: no checkpoints). */
    public static Dashboard start(int port, Path checkpointDir) {
        return start("127.0.0.1", port, checkpointDir);
    }

    /** Starts the server on {@code bind}; anyone who reaches it with the token controls the run. */
    public static Dashboard start(String bind, int port, Path checkpointDir) {
        return new Dashboard(bind, port, checkpointDir);
    }

    public int port() {
        return server.port();
    }

    public String token() {
        return server.token();
    }

    /** The page's address, token included (print it for the user; anyone with it can control the run). */
    public String url() {
        return server.url();
    }

    /** Where "save checkpoint now" saves from now on (a run sets each phase's checkpoint folder). */
    public void useCheckpoints(Path dir) {
        commands.useCheckpoints(dir);
    }

    /**
     * Marks the run as over (e.g. "run finished"): the page keeps showing it, and commands are refused from now on,
     * queued ones included.
     */
    public void ended(String status) {
        state.set("status", status);
        state.set("paused", false);
        synchronized (queue) {
            ended = true;
            DashboardServer.Command c;
            while ((c = queue.poll()) != null) {
                c.done().complete(Map.of("id", c.id(), "action", c.action(), "applied", false, "reason",
                        "the run has ended: nothing to control"));
            }
        }
    }

    // ---------------------------------------------------------------- the callback (training thread)

    @Override
    public void beforeFit(TrainingContext ctx) {
        stepOffset = sawFit ? absoluteStep - ctx.globalStep() : 0; // a later phase's trainer counts from 0 again
        absoluteStep = stepOffset + ctx.globalStep();
        sawFit = true;
        timelineSeen = 0;
        state.set("totalSteps", absoluteStep + ctx.totalSteps());
        state.set("status", "training");
        state.set("globalStep", absoluteStep);
        commands.refreshModel(ctx);
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        drain(ctx);
        while (Boolean.TRUE.equals(state.get("paused")) && !closed) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            drain(ctx);
        }
        stepStart = System.nanoTime();
    }

    @Override
    public void afterBackward(TrainingContext ctx) {
        long now = System.nanoTime();
        if (now - lastGradNanos < GRAD_EVERY_NANOS) {
            return;
        }
        lastGradNanos = now;
        Map<String, Object> norms = new LinkedHashMap<>();
        Autograd.withoutRecording(() -> {
            for (LayerGroup g : ctx.model().groups()) {
                if (g.isFrozen()) {
                    continue;
                }
                double sq = 0;
                boolean any = false;
                for (var layer : g.layers()) {
                    for (Parameter p : layer.parametersRequiringGrad()) {
                        sq += Gradients.squaredNorm(p);
                        any = true;
                    }
                }
                if (any) {
                    norms.put(g.name(), Math.sqrt(sq));
                }
            }
            return null;
        });
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("step", stepOffset + ctx.globalStep() + 1); // the step being taken
        item.put("norms", norms);
        state.add("grads", item);
    }

    @Override
    public void afterStep(TrainingContext ctx) {
        double seconds = (System.nanoTime() - stepStart) / 1e9;
        FrostModel model = ctx.model();
        StepFlops f = StepFlops.of(model, false);
        long full = f.fullForward() + f.fullBackward();
        absoluteStep = stepOffset + ctx.globalStep();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("step", absoluteStep);
        p.put("epoch", epochsDone);
        p.put("loss", Double.isFinite(ctx.lastLoss()) ? ctx.lastLoss() : null);
        p.put("seconds", seconds);
        p.put("flopShare", full == 0 ? 1.0 : (double) (f.forward() + f.backward()) / full);
        p.put("frozenGroups", model.frozenGroupCount());
        state.add("points", p);
        state.set("globalStep", absoluteStep);
        state.set("epoch", epochsDone);
        List<FitResult.FreezeEvent> news = ctx.trainer().timelineSince(timelineSeen);
        timelineSeen += news.size();
        for (FitResult.FreezeEvent e : news) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("step", stepOffset + e.step());
            t.put("group", e.group());
            t.put("frozen", e.frozen());
            t.put("by", e.by());
            state.add("timeline", t);
        }
        if (!news.isEmpty()) {
            commands.refreshModel(ctx); // a policy changed groups
        }
        long now = System.nanoTime();
        if (now - lastCacheNanos >= GRAD_EVERY_NANOS) {
            lastCacheNanos = now;
            state.set("cache", cacheOf(ctx.trainer()));
        }
    }

    @Override
    public void afterEpoch(TrainingContext ctx) {
        List<EpochRecord> h = ctx.history();
        if (h.isEmpty()) {
            return;
        }
        EpochRecord r = h.get(h.size() - 1);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("epoch", epochsDone + 1);
        e.put("step", absoluteStep);
        e.put("trainLoss", finite(r.trainLoss()));
        e.put("validLoss", finite(r.validLoss()));
        e.put("trainMetrics", r.trainMetrics());
        e.put("validMetrics", r.validMetrics());
        e.put("seconds", r.trainSeconds());
        state.add("epochs", e);
        epochsDone++;
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        drain(ctx);
        state.set("status", "fit ended");
        state.set("globalStep", stepOffset + ctx.globalStep());
        state.set("cache", cacheOf(ctx.trainer()));
    }

    @Override
    public String freezeSource() {
        return SOURCE;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Applies the queued commands, in order, at this step boundary. */
    private void drain(TrainingContext ctx) {
        DashboardServer.Command c;
        while ((c = queue.poll()) != null) {
            Map<String, Object> e = commands.apply(ctx, c, stepOffset + ctx.globalStep());
            state.add("events", e);
            c.done().complete(e);
        }
    }

    private static Map<String, Object> cacheOf(Trainer trainer) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean on = trainer.config().cache() != null;
        m.put("on", on);
        if (!on) {
            return m;
        }
        int boundary = trainer.cacheBoundary();
        m.put("boundary", boundary == 0 ? null : trainer.model().layers().get(boundary - 1).name());
        ActivationCache.Stats s = trainer.cacheStats();
        if (s != null) {
            m.put("bytes", s.bytes());
            m.put("tier", s.tier());
            m.put("hits", s.hits());
            m.put("misses", s.misses());
        }
        return m;
    }

    /** Stops the server; queued commands are refused and a paused run resumes. */
    @Override
    public void close() {
        closed = true;
        DashboardServer.Command c;
        while ((c = queue.poll()) != null) {
            c.done().complete(Map.of("id", c.id(), "applied", false, "reason", "dashboard closed"));
        }
        state.set("paused", false);
        server.close();
    }
}
