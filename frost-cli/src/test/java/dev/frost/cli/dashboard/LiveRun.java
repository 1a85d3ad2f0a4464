package dev.frost.cli.dashboard;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.Callback;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.TrainingContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A small MLP training on synthetic data on a background thread with a dashboard attached, plus an HTTP client for
 * the dashboard's API. Records on the training thread, per step, whether each group's weights changed.
 */
final class LiveRun implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final FrostModel model = Models.mlp(12, new int[] {64, 64}, 3, 5);
    final Dashboard dashboard;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** step index (0-based, as the dashboard's "step" of an event) -> whether fc1's weight moved in that step. */
    final Map<Long, Boolean> fc1Moved = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Future<FitResult> fit;
    private final java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newSingleThreadExecutor();

    LiveRun(Path checkpoints, Callback... before) {
        dashboard = Dashboard.start(0, checkpoints);
        ArrayDataset data = SyntheticData.classification("dash", 512, new Shape(12), 3, 7);
        Callback recorder = new Callback() {
            float[] before;

            @Override
            public void beforeStep(TrainingContext ctx) {
                before = Snapshots.of(ctx.model()).get("fc1.weight");
            }

            @Override
            public void afterStep(TrainingContext ctx) {
                float[] after = Snapshots.of(ctx.model()).get("fc1.weight");
                fc1Moved.put(ctx.globalStep() - 1, !java.util.Arrays.equals(before, after));
            }
        };
        Callback stopper = new Callback() {
            @Override
            public void afterStep(TrainingContext ctx) {
                if (stop.get()) {
                    ctx.requestStop();
                }
            }
        };
        java.util.List<Callback> callbacks = new java.util.ArrayList<>(java.util.List.of(before));
        callbacks.addAll(java.util.List.of(dashboard, recorder, stopper));
        Trainer trainer = new Trainer(model, new Sgd(0.9, false, 0), TrainConfig.builder().optBatchSize(32)
                .optLearningRate(0.02).optProgressBar(false).build(), callbacks);
        fit = exec.submit(() -> trainer.fit(data, null, 100_000));
    }

    FitResult stop() throws Exception {
        stop.set(true);
        try {
            return fit.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("training failed", e.getCause());
        }
    }

    String base() {
        return "http://127.0.0.1:" + dashboard.port();
    }

    JsonNode state() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/state"))
                .header(Dashboard.TOKEN_HEADER, dashboard.token()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("state: HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Polls the state until the predicate holds (bounded). */
    JsonNode await(String what, Predicate<JsonNode> ok) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (fit.isDone()) {
                stop();
                throw new AssertionError("training ended while waiting for " + what);
            }
            JsonNode s = state();
            if (ok.test(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    HttpResponse<String> post(String token, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/command"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (token != null) {
            b.header(Dashboard.TOKEN_HEADER, token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a command with the token and waits for the trainer to apply it; returns the applied event. */
    JsonNode command(String action, String group) throws Exception {
        return commandForm(action, "group=" + group);
    }

    /** As {@link #command}, with the target as a form field ("group=fc1", "layer=fc1", ""). */
    JsonNode commandForm(String action, String target) throws Exception {
        HttpResponse<String> r = post(dashboard.token(), "action=" + action + "&" + target + "&wait=20000");
        if (r.statusCode() != 200) {
            throw new AssertionError(action + " " + target + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    static JsonNode group(JsonNode state, String name) {
        for (JsonNode g : state.get("groups")) {
            if (g.get("name").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no group " + name + " in " + state.get("groups"));
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        dashboard.close();
        try {
            fit.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException ignored) {
            // reported by the test that stopped it
        }
        exec.shutdownNow();
        model.close();
    }
}
