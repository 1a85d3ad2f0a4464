package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The HTTP side of the dashboard: the page, {@code GET /api/state}, the event stream {@code /api/events} and
 * {@code POST /api/command}. Every request needs the token (header {@link Dashboard#TOKEN_HEADER}, {@code ?token=}
 * or a form field) or gets 403; on a loopback address the Host header must name that address too (DNS rebinding).
 * Commands go to a sink (the training thread applies them); without a sink (a finished run) they are refused.
 */
final class DashboardServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A command from the page: freeze/unfreeze a group or a layer, detach a policy, pause, resume, checkpoint. */
    record Command(long id, String action, String group, String layer,
                   CompletableFuture<Map<String, Object>> done) {}

    private final DashboardState state;
    private final Predicate<Command> sink;
    private final String token;
    private final String bind;
    private final boolean loopback;
    private final Javalin app;
    private final int port;
    private final AtomicLong ids = new AtomicLong();
    private final Map<SseClient, DashboardState.Cursor> clients = new ConcurrentHashMap<>();
    private final Thread broadcaster;
    private volatile boolean closed;

    /**
     * @param sink accepts a command (false once closed), or null for a read-only dashboard
     */
    DashboardServer(DashboardState state, Predicate<Command> sink, String bind, int port) {
        if (port < 0 || port > 65_535) {
            throw new FrostException("the dashboard port must be 0..65535, got " + port);
        }
        this.state = state;
        this.sink = sink;
        this.bind = bind;
        try {
            this.loopback = InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new FrostException("--dashboard-bind: unknown address '" + bind + "'");
        }
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
        app.get("/api/state", ctx -> ctx.contentType("application/json").result(json(state.snapshot())));
        app.get("/api/command", ctx -> ctx.status(405).header("Allow", "POST").contentType("application/json")
                .result(json(Map.of("error", "commands need POST; GET changes nothing"))));
        app.post("/api/command", this::command);
        app.sse("/api/events", client -> {
            client.keepAlive();
            client.onClose(() -> clients.remove(client));
            DashboardState.Cursor cursor = new DashboardState.Cursor();
            String first;
            synchronized (state) { // the full state and the cursor at the same version: nothing sent twice
                first = json(state.snapshot());
                state.sync(cursor);
            }
            synchronized (client) {
                client.sendEvent("state", first);
            }
            clients.put(client, cursor);
        });
        try {
            if (java.net.NetworkInterface.getByInetAddress(java.net.InetAddress.getByName(bind)) == null
                    && !java.net.InetAddress.getByName(bind).isAnyLocalAddress()) {
                throw new FrostException("dashboard: " + bind + " is not an address of this machine");
            }
        } catch (java.io.IOException e) {
            throw new FrostException("dashboard: cannot resolve the address " + bind + ": " + e.getMessage());
        }
        try {
            app.start(bind, port);
        } catch (RuntimeException e) {
            throw new FrostException("dashboard: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
        }
        this.port = app.port();
        this.broadcaster = new Thread(this::broadcast, "frost-dashboard-sse");
        broadcaster.setDaemon(true);
        broadcaster.start();
    }

    int port() {
        return port;
    }

    String token() {
        return token;
    }

    String url() {
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind.contains(":") ? "[" + bind
                + "]" : bind;
        return "http://" + host + ":" + port + "/?token=" + token;
    }

    private void guard(Context ctx) {
        String host = ctx.host();
        // on loopback only the loopback names may be used (a rebinding page would send its own host name)
        if (loopback && (host == null || !(host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port)
                || host.equals(bind + ":" + port)))) {
            deny(ctx, "wrong host");
            return;
        }
        String given = ctx.header(Dashboard.TOKEN_HEADER);
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
        if (action == null) {
            ctx.status(400).contentType("application/json").result("{\"error\":\"missing action\"}");
            return;
        }
        if (sink == null) {
            ctx.status(409).contentType("application/json").result(json(Map.of("applied", false, "reason",
                    "read-only: this dashboard shows a finished run; nothing can be changed")));
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
        Command c = new Command(ids.incrementAndGet(), action, blankToNull(ctx.formParam("group")),
                blankToNull(ctx.formParam("layer")), new CompletableFuture<>());
        if (closed || !sink.test(c)) {
            ctx.status(503).contentType("application/json").result("{\"error\":\"dashboard closed\"}");
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.id());
        ctx.status(202);
        if (waitMs > 0) {
            try {
                out.putAll(c.done().get(waitMs, TimeUnit.MILLISECONDS));
                out.put("id", c.id());
                ctx.status(200);
            } catch (TimeoutException e) {
                out.put("queued", true);
            }
        } else {
            out.put("queued", true);
        }
        ctx.contentType("application/json").result(json(out));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Sends what changed to every client, ten times a second, off the training thread. */
    private void broadcast() {
        while (!closed) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            for (Map.Entry<SseClient, DashboardState.Cursor> e : clients.entrySet()) {
                SseClient c = e.getKey();
                if (c.terminated()) {
                    clients.remove(c);
                    continue;
                }
                Map<String, Object> delta = state.delta(e.getValue());
                if (delta == null) {
                    continue;
                }
                try {
                    synchronized (c) {
                        c.sendEvent("update", json(delta));
                    }
                } catch (RuntimeException ex) {
                    clients.remove(c);
                }
            }
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new FrostException("dashboard: cannot write JSON: " + e.getMessage());
        }
    }

    private static String page() {
        try (InputStream in = DashboardServer.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new FrostException("dashboard: page resource missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FrostException("dashboard: cannot read the page: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        broadcaster.interrupt();
        for (SseClient client : clients.keySet()) {
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        app.stop();
    }
}
