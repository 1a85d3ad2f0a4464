package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.frost.train.FitResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's HTTP API against a live run, without a browser. */
class DashboardApiTest {

    private static double meanSeconds(JsonNode state, long from, long to) {
        double sum = 0;
        int n = 0;
        for (JsonNode p : state.get("points")) {
            long step = p.get("step").asLong() - 1; // the point's step counts steps done; this is the step's index
            if (step >= from && step < to) {
                sum += p.get("seconds").asDouble();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double flopShareAt(JsonNode state, long index) {
        for (JsonNode p : state.get("points")) {
            if (p.get("step").asLong() - 1 == index) {
                return p.get("flopShare").asDouble();
            }
        }
        return Double.NaN;
    }

    @Test
    void aFreezeFromTheApiAppliesAtAStepBoundaryAndStopsTheGroupsWeights(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("ck");
        try (LiveRun run = new LiveRun(ck)) {
            assertTrue(run.dashboard.url().startsWith("http://127.0.0.1:" + run.dashboard.port() + "/?token="));
            run.await("40 steps", s -> s.get("globalStep").asLong() >= 40);

            // no token, a wrong token: 403 and nothing queued
            assertEquals(403, run.post(null, "action=freeze&group=fc1").statusCode());
            assertEquals(403, run.post("0".repeat(32), "action=freeze&group=fc1").statusCode());
            assertEquals(403, run.post(null, "action=freeze&group=fc1&token=wrong").statusCode());
            assertEquals(403, run.http.send(HttpRequest.newBuilder(URI.create(run.base() + "/api/state")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "reading needs the token too");
            // GET on the command endpoint, even with the token, changes nothing
            HttpResponse<String> get = run.http.send(HttpRequest.newBuilder(URI.create(run.base()
                    + "/api/command?action=freeze&group=fc1&token=" + run.dashboard.token())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
            long now = run.state().get("globalStep").asLong();
            JsonNode later = run.await("10 more steps", s -> s.get("globalStep").asLong() >= now + 10);
            assertFalse(LiveRun.group(later, "fc1").get("frozen").asBoolean(), "GET froze nothing");
            assertEquals(0, later.get("events").size(), "nothing was queued by refused requests");
            // the form field works as well as the header
            HttpResponse<String> viaForm = run.post(null, "action=resume&token=" + run.dashboard.token() + "&wait=20000");
            assertEquals(200, viaForm.statusCode(), viaForm.body());

            JsonNode frozen = run.command("freeze", "fc1");
            assertTrue(frozen.get("applied").asBoolean(), frozen.toString());
            long s = frozen.get("step").asLong();
            JsonNode st = run.state();
            assertTrue(LiveRun.group(st, "fc1").get("frozen").asBoolean());
            run.await("30 frozen steps", x -> x.get("globalStep").asLong() >= s + 30);

            JsonNode thawed = run.command("unfreeze", "fc1");
            assertTrue(thawed.get("applied").asBoolean(), thawed.toString());
            long u = thawed.get("step").asLong();
            assertTrue(u > s + 29);
            run.await("20 thawed steps", x -> x.get("globalStep").asLong() >= u + 20);

            // freezing every group is refused with its reason; the others apply
            assertTrue(run.command("freeze", "fc1").get("applied").asBoolean());
            assertTrue(run.command("freeze", "fc2").get("applied").asBoolean());
            JsonNode refused = run.command("freeze", "head");
            assertFalse(refused.get("applied").asBoolean());
            assertTrue(refused.get("reason").asText().contains("every group"), refused.toString());
            assertFalse(LiveRun.group(run.state(), "head").get("frozen").asBoolean());
            assertTrue(run.command("unfreeze", "fc1").get("applied").asBoolean());
            assertTrue(run.command("unfreeze", "fc2").get("applied").asBoolean());

            // pause holds the run at a step boundary; resume continues it
            JsonNode paused = run.command("pause", "");
            Thread.sleep(300);
            long held = run.state().get("globalStep").asLong();
            Thread.sleep(300);
            assertEquals(held, run.state().get("globalStep").asLong(), "no steps while paused");
            assertTrue(held <= paused.get("step").asLong() + 1);
            JsonNode saved = run.command("checkpoint", "");
            assertTrue(saved.get("applied").asBoolean(), saved.toString());
            assertTrue(Files.isDirectory(ck) && Files.list(ck).findAny().isPresent(), "checkpoint written");
            run.command("resume", "");
            run.await("steps after resume", x -> x.get("globalStep").asLong() > held + 5);

            JsonNode end = run.state();
            FitResult result = run.stop();
            // the trainer's own timeline records the freeze and the unfreeze at the steps the API reported
            assertTrue(result.timeline().stream().anyMatch(e -> e.step() == s && e.group().equals("fc1")
                    && e.frozen()), result.timeline().toString());
            assertTrue(result.timeline().stream().anyMatch(e -> e.step() == u && e.group().equals("fc1")
                    && !e.frozen()), result.timeline().toString());
            // fc1's weights moved before, stood still from step s to u, and moved again
            for (long i = s - 10; i < s; i++) {
                assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " before the freeze");
            }
            for (long i = s; i < u; i++) {
                assertEquals(Boolean.FALSE, run.fc1Moved.get(i), "step " + i + " while frozen");
            }
            for (long i = u; i < u + 20; i++) {
                assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " after the unfreeze");
            }
            assertEquals(1.0, flopShareAt(end, s - 1), 1e-9);
            assertTrue(flopShareAt(end, s) < 1.0, "the frozen first group skips work");
            double before = meanSeconds(end, s - 30, s);
            double during = meanSeconds(end, s, u);
            System.out.printf("dashboard API test: fc1 frozen at step %d, unfrozen at step %d; mean step time"
                    + " %.3f ms before, %.3f ms frozen (%+.1f%%); FLOPs share %.3f -> %.3f%n", s, u, before * 1e3,
                    during * 1e3, 100 * (during / before - 1), flopShareAt(end, s - 1), flopShareAt(end, s));
        }
    }
}
