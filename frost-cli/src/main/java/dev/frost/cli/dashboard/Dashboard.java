package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.io.Checkpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;
import dev.frost.train.Callback;
import dev.frost.train.StepFlops;
import dev.frost.train.TrainingContext;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A live training dashboard: a {@link Callback} to add to any trainer, plus an embedded web server on 127.0.0.1 only.
 * The page ({@code /?token=...}) shows the loss curve, step time, the share of full FLOPs executed and each group's
 * freeze state, live over server-sent events, and a snowflake per group toggles its freezing.
 *
 * <p>Control ({@code POST /api/command}: {@code action} = freeze, unfreeze, pause, resume or checkpoint; {@code group};
 * optional {@code wait} in ms) needs the token in the {@code X-Frost-Token} header or a {@code token} form field;
 * every other request needs it too (header or {@code ?token=}), and anything without it gets 403. Commands wait in a
 * thread-safe queue and the training thread applies them at the next step boundary (beforeStep); the state and the
 * event stream report a change only once applied, with the global step it applied at. GET never changes state.
 */
public final class Dashboard implements Callback, AutoCloseable {
    /** Header that carries the token. */
    public static final String TOKEN_HEADER = "X-Frost-Token";
    private static final int MAX_POINTS = 20_000;
    private static final int MAX_EVENTS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A command from the page, applied (or refused) by the training thread. */
    record Command(long id, String action, String group, CompletableFuture<Map<String, Object>> done) {}

    private final String token;
    private final Path checkpointDir;
    private final Javalin app;
    private final int port;
    private final ConcurrentLinkedQueue<Command> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private final CopyOnWriteArrayList<SseClient> clients = new CopyOnWriteArrayList<>();
    private final Thread broadcaster;
    private volatile boolean closed;

    // written by the training thread, read under the lock by the server threads
    private final Object lock = new Object();
    private final List<Map<String, Object>> points = new ArrayList<>();
    private final List<Map<String, Object>> events = new ArrayList<>();
    private List<Map<String, Object>> groups = List.of();
    private String status = "waiting for training";
    private long globalStep;
    private int epoch;
    private long totalSteps;
    private boolean paused;
    private long version;

    // training thread only
    private long stepStart;

    private Dashboard(int port, Path checkpointDir) {
        this.checkpointDir = checkpointDir;
        byte[] raw = new byte[16];
        new SecureRandom().nextBytes(raw);
        this.token = HexFormat.of().formatHex(raw);
        String page = page();
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setDaemon(true);
        pool.setName("frost-dashboard");
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jetty.threadPool = pool;
        });
        app.before(this::guard);
        app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src"
                        + " 'unsafe-inline'; img-src 'self' data:")
                .result(page));
        app.get("/api/state", ctx -> ctx.contentType("application/json").result(JSON.writeValueAsString(state())));
        app.get("/api/command", ctx -> ctx.status(405).header("Allow", "POST").contentType("application/json")
                .result(JSON.writeValueAsString(Map.of("error", "commands need POST; GET changes nothing"))));
        app.post("/api/command", this::command);
        app.sse("/api/events", client -> {
            client.keepAlive();
            client.onClose(() -> clients.remove(client));
            synchronized (client) {
                client.sendEvent("state", json(state()));
            }
            clients.add(client);
        });
        try {
            app.start("127.0.0.1", port);
        } catch (RuntimeException e) {
            throw new FrostException("dashboard: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
        }
        this.port = app.port();
        this.broadcaster = new Thread(this::broadcast, "frost-dashboard-sse");
        broadcaster.setDaemon(true);
        broadcaster.start();
    }

    /**
     * Starts the server on 127.0.0.1.
     *
     * @param port          the port, or 0 for any free one
     * @param checkpointDir where "save checkpoint now" saves (null: the command is refused)
     */
    public static Dashboard start(int port, Path checkpointDir) {
        if (port < 0 || port > 65_535) {
            throw new FrostException("dashboard port must be 0..65535, got " + port);
        }
        return new Dashboard(port, checkpointDir);
    }

    public int port() {
        return port;
    }

    public String token() {
        return token;
    }

    /** The page's address, token included (print it for the user; anyone with it can control the run). */
    public String url() {
        return "http://127.0.0.1:" + port + "/?token=" + token;
    }

    // ---------------------------------------------------------------- the callback (training thread)

    @Override
    public void beforeFit(TrainingContext ctx) {
        synchronized (lock) {
            totalSteps = ctx.totalSteps();
            status = "training";
            groups = groupsOf(ctx.model());
            globalStep = ctx.globalStep();
            version++;
        }
    }

    @Override
    public void beforeStep(TrainingContext ctx) {
        drain(ctx);
        while (isPaused() && !closed) {
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
    public void afterStep(TrainingContext ctx) {
        double seconds = (System.nanoTime() - stepStart) / 1e9;
        StepFlops f = StepFlops.of(ctx.model(), false);
        long full = f.fullForward() + f.fullBackward();
        double share = full == 0 ? 1.0 : (double) (f.forward() + f.backward()) / full;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("step", ctx.globalStep());
        p.put("epoch", ctx.epoch());
        p.put("loss", Double.isFinite(ctx.lastLoss()) ? ctx.lastLoss() : null);
        p.put("seconds", seconds);
        p.put("flopShare", share);
        p.put("frozenGroups", ctx.model().frozenGroupCount());
        synchronized (lock) {
            if (points.size() >= MAX_POINTS) {
                points.subList(0, MAX_POINTS / 2).clear();
            }
            points.add(p);
            globalStep = ctx.globalStep();
            epoch = ctx.epoch();
            version++;
        }
    }

    @Override
    public void afterFit(TrainingContext ctx) {
        synchronized (lock) {
            status = "fit ended";
            globalStep = ctx.globalStep();
            version++;
        }
    }

    private boolean isPaused() {
        synchronized (lock) {
            return paused;
        }
    }

    /** Applies the queued commands, in order, at this step boundary. */
    private void drain(TrainingContext ctx) {
        Command c;
        boolean changed = false;
        while ((c = queue.poll()) != null) {
            Map<String, Object> e = apply(ctx, c);
            synchronized (lock) {
                if (events.size() >= MAX_EVENTS) {
                    events.subList(0, MAX_EVENTS / 2).clear();
                }
                events.add(e);
                version++;
            }
            c.done().complete(e);
            changed = true;
        }
        if (changed) {
            synchronized (lock) {
                groups = groupsOf(ctx.model());
                version++;
            }
        }
    }

    private Map<String, Object> apply(TrainingContext ctx, Command c) {
        FrostModel model = ctx.model();
        String refusal = null;
        switch (c.action()) {
            case "freeze", "unfreeze" -> {
                LayerGroup g = model.groups().stream().filter(x -> x.name().equals(c.group())).findFirst()
                        .orElse(null);
                if (g == null) {
                    refusal = "no group '" + c.group() + "'";
                } else if (c.action().equals("freeze")) {
                    boolean was = g.isFrozen();
                    g.freeze();
                    if (model.groups().stream().allMatch(LayerGroup::isFrozen)) {
                        g.setTrainable(!was);
                        refusal = "freezing '" + g.name() + "' would freeze every group: nothing would be left to"
                                + " train (unfreeze another group first)";
                    }
                } else {
                    g.unfreeze();
                }
            }
            case "pause" -> {
                synchronized (lock) {
                    paused = true;
                    status = "paused";
                }
            }
            case "resume" -> {
                synchronized (lock) {
                    paused = false;
                    status = "training";
                }
            }
            case "checkpoint" -> {
                if (checkpointDir == null) {
                    refusal = "no checkpoint folder configured for this dashboard";
                } else {
                    try {
                        Checkpoints.save(checkpointDir, ctx.trainer());
                    } catch (RuntimeException ex) {
                        refusal = "checkpoint failed: " + ex.getMessage();
                    }
                }
            }
            default -> refusal = "unknown action '" + c.action() + "'";
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", c.id());
        e.put("action", c.action());
        e.put("group", c.group());
        e.put("step", ctx.globalStep());
        e.put("applied", refusal == null);
        e.put("reason", refusal);
        if (c.action().equals("checkpoint") && refusal == null) {
            e.put("path", checkpointDir.toAbsolutePath().toString());
        }
        return e;
    }

    private static List<Map<String, Object>> groupsOf(FrostModel model) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LayerGroup g : model.groups()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("frozen", g.isFrozen());
            m.put("parameters", g.parameterCount());
            m.put("layers", g.layers().stream().map(l -> l.name()).toList());
            out.add(m);
        }
        return out;
    }

    // ---------------------------------------------------------------- the server

    private void guard(Context ctx) {
        String host = ctx.host();
        if (host == null || !(host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port))) {
            deny(ctx, "wrong host");
            return;
        }
        String given = ctx.header(TOKEN_HEADER);
        if (given == null) {
            given = ctx.queryParam("token");
        }
        if (given == null && "POST".equals(ctx.method().name()) && ctx.contentType() != null
                && ctx.contentType().startsWith("application/x-www-form-urlencoded")) {
            given = ctx.formParam("token");
        }
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            deny(ctx, "missing or wrong token");
        }
    }

    private static void deny(Context ctx, String why) {
        ctx.status(403).contentType("application/json").result("{\"error\":\"" + why + "\"}");
        ctx.skipRemainingHandlers();
    }

    private void command(Context ctx) throws Exception {
        String action = ctx.formParam("action");
        String group = ctx.formParam("group");
        if (action == null) {
            ctx.status(400).contentType("application/json").result("{\"error\":\"missing action\"}");
            return;
        }
        long waitMs = 0;
        String w = ctx.formParam("wait");
        if (w != null) {
            try {
                waitMs = Math.max(0, Math.min(30_000, Long.parseLong(w)));
            } catch (NumberFormatException e) {
                ctx.status(400).contentType("application/json").result("{\"error\":\"wait must be milliseconds\"}");
                return;
            }
        }
        Command c = new Command(ids.incrementAndGet(), action, group, new CompletableFuture<>());
        if (closed) {
            ctx.status(503).contentType("application/json").result("{\"error\":\"dashboard closed\"}");
            return;
        }
        queue.add(c);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.id());
        if (waitMs > 0) {
            try {
                out.putAll(c.done().get(waitMs, TimeUnit.MILLISECONDS));
                out.put("id", c.id());
                ctx.status(200);
            } catch (TimeoutException e) {
                out.put("queued", true);
                ctx.status(202);
            }
        } else {
            out.put("queued", true);
            ctx.status(202);
        }
        ctx.contentType("application/json").result(JSON.writeValueAsString(out));
    }

    /** The whole state, as {@code GET /api/state} and the first server-sent event give it. */
    Map<String, Object> state() {
        synchronized (lock) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("status", status);
            s.put("paused", paused);
            s.put("globalStep", globalStep);
            s.put("epoch", epoch);
            s.put("totalSteps", totalSteps);
            s.put("groups", groups);
            s.put("points", List.copyOf(points));
            s.put("events", List.copyOf(events));
            s.put("checkpoints", checkpointDir != null);
            return s;
        }
    }

    /** Sends what changed to every client, ten times a second, off the training thread. */
    private void broadcast() {
        long sentVersion = -1;
        int sentPoint = 0;
        int sentEvent = 0;
        int pointBase = 0;
        while (!closed) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            Map<String, Object> delta = new LinkedHashMap<>();
            synchronized (lock) {
                if (version == sentVersion) {
                    continue;
                }
                sentVersion = version;
                if (sentPoint > points.size()) { // trimmed: resend what is left
                    sentPoint = Math.max(0, points.size() - 200);
                }
                if (sentEvent > events.size()) {
                    sentEvent = Math.max(0, events.size() - 200);
                }
                delta.put("status", status);
                delta.put("paused", paused);
                delta.put("globalStep", globalStep);
                delta.put("epoch", epoch);
                delta.put("totalSteps", totalSteps);
                delta.put("groups", groups);
                delta.put("points", List.copyOf(points.subList(sentPoint, points.size())));
                delta.put("events", List.copyOf(events.subList(sentEvent, events.size())));
                sentPoint = points.size();
                sentEvent = events.size();
            }
            String data = json(delta);
            for (SseClient c : clients) {
                if (c.terminated()) {
                    clients.remove(c);
                    continue;
                }
                try {
                    synchronized (c) {
                        c.sendEvent("update", data);
                    }
                } catch (RuntimeException e) {
                    clients.remove(c);
                }
            }
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new FrostException("dashboard: cannot write JSON: " + e.getMessage());
        }
    }

    private static String page() {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new FrostException("dashboard: page resource missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FrostException("dashboard: cannot read the page: " + e.getMessage());
        }
    }

    /** Stops the server; queued commands are refused and a paused run resumes. */
    @Override
    public void close() {
        closed = true;
        Command c;
        while ((c = queue.poll()) != null) {
            c.done().complete(Map.of("id", c.id(), "applied", false, "reason", "dashboard closed"));
        }
        synchronized (lock) {
            paused = false;
        }
        broadcaster.interrupt();
        for (SseClient client : clients) {
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        app.stop();
    }
}
