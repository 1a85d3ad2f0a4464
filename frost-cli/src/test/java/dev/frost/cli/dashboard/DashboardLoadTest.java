package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 20 live SSE clients and 1,000 control requests during a run: training goes on, each command applies once. */
class DashboardLoadTest {
    private static final int CLIENTS = 20;
    private static final int COMMANDS = 1_000;

    @Test
    void manyClientsAndCommandsLoseNothingAndApplyNothingTwice() throws Exception {
        try (LiveRun run = new LiveRun(null)) {
            run.await("first steps", s -> s.get("globalStep").asLong() >= 5);
            AtomicInteger[] received = new AtomicInteger[CLIENTS];
            List<CompletableFuture<HttpResponse<java.util.stream.Stream<String>>>> streams = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                AtomicInteger n = received[i] = new AtomicInteger();
                streams.add(run.http.sendAsync(HttpRequest.newBuilder(URI.create(run.base() + "/api/events?token="
                        + run.dashboard.token())).header("Accept", "text/event-stream").build(),
                        HttpResponse.BodyHandlers.ofLines())
                        .thenApply(r -> {
                            Thread t = new Thread(() -> r.body().forEach(line -> {
                                if (line.startsWith("event:")) {
                                    n.incrementAndGet();
                                }
                            }));
                            t.setDaemon(true);
                            t.start();
                            return r;
                        }));
            }
            long stepBefore = run.state().get("globalStep").asLong();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Long>> ids = new ArrayList<>();
            String[] actions = {"freeze", "unfreeze"};
            String[] groups = {"fc1", "fc2"};
            for (int i = 0; i < COMMANDS; i++) {
                String form = "action=" + actions[i / 2 % 2] + "&group=" + groups[i % 2];
                ids.add(pool.submit(() -> {
                    HttpResponse<String> r = run.post(run.dashboard.token(), form);
                    assertEquals(202, r.statusCode(), r.body());
                    return LiveRun.JSON.readTree(r.body()).get("id").asLong();
                }));
            }
            List<Long> posted = new ArrayList<>();
            for (Future<Long> f : ids) {
                posted.add(f.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
            JsonNode end = run.await("all commands applied", s -> s.get("events").size() >= COMMANDS);
            Map<Long, Integer> count = new HashMap<>();
            int applied = 0;
            for (JsonNode e : end.get("events")) {
                count.merge(e.get("id").asLong(), 1, Integer::sum);
                applied += e.get("applied").asBoolean() ? 1 : 0;
            }
            assertEquals(COMMANDS, end.get("events").size(), "one event per command");
            for (long id : posted) {
                assertEquals(1, count.getOrDefault(id, 0), "command " + id + " applied exactly once");
            }
            assertEquals(COMMANDS, count.size());
            assertEquals(COMMANDS, applied, "a freeze/unfreeze of fc1 or fc2 is never refused (head stays trainable)");
            long stepAfter = run.await("training continues", s -> s.get("globalStep").asLong()
                    > end.get("globalStep").asLong() + 5).get("globalStep").asLong();
            assertTrue(stepAfter > stepBefore + 5, "training went on during the load");
            Thread.sleep(500);
            for (int i = 0; i < CLIENTS; i++) {
                assertTrue(received[i].get() >= 2, "client " + i + " got live events: " + received[i].get());
            }
            System.out.printf("dashboard load test: %d SSE clients, %d commands applied once each, steps %d -> %d%n",
                    CLIENTS, COMMANDS, stepBefore, stepAfter);
            run.stop();
            streams.forEach(s -> s.cancel(true));
        }
    }
}
