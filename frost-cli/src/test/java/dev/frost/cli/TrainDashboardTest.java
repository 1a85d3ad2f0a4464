package dev.frost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.cli.dashboard.RunDashboard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code frost train CONFIG --dashboard}: prints a URL whose /api/state serves the run (groups, epochs, the phase's
 * checkpoint folder), keeps serving with --dashboard-keep; {@code frost dashboard RUN_DIR} serves it read-only.
 */
class TrainDashboardTest {
    private static final Pattern URL = Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:(\\d+)/\\?token=([0-9a-f]{32}))");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void trainWithDashboardPrintsAUrlThatServesTheRun(@TempDir Path dir) throws Exception {
        Path train = TrainTabularTest.csv(dir, "train.csv", 240, false, 1);
        Path run = dir.resolve("run");
        Path cfg = TrainTabularTest.config(dir, "c.yaml", TrainTabularTest.tabular(train, run, "classification",
                "{type: full}"));
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AtomicInteger code = new AtomicInteger(-1);
        Thread t;
        long steps;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            t = new Thread(() -> code.set(FrostCli.execute("train", cfg.toString(), "--dashboard",
                    "--dashboard-keep")));
            t.start();
            Matcher m = null;
            long end = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < end) {
                m = URL.matcher(captured.toString(StandardCharsets.UTF_8));
                if (m.find() && captured.toString(StandardCharsets.UTF_8).contains("still serving")) {
                    break;
                }
                Thread.sleep(50);
            }
            String text = captured.toString(StandardCharsets.UTF_8);
            assertTrue(m != null && m.find(0) && text.contains("still serving"), text);
            String base = "http://127.0.0.1:" + m.group(2);
            JsonNode s = get(base + "/api/state?token=" + m.group(3), 200);
            assertEquals("run finished", s.get("status").asText());
            assertEquals(3, s.get("epochs").size(), "one curve point per epoch");
            JsonNode points = s.get("points");
            steps = s.get("globalStep").asLong();
            assertTrue(steps >= 30, "3 epochs of 180 rows in batches of 16: " + steps);
            assertEquals(steps, points.get(points.size() - 1).get("step").asLong(), "a point per step");
            assertTrue(s.get("checkpoints").asBoolean(), "the phase's checkpoint folder is used");
            assertEquals("fc1", s.get("groups").get(0).get("name").asText(), s.get("groups").toString());
            assertTrue(s.get("epochs").get(2).get("validMetrics").has("accuracy"), s.get("epochs").toString());
            assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(base + "/api/state")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            JsonNode late = post(base, m.group(3), "action=freeze&group=fc1&wait=5000");
            assertEquals("the run has ended: nothing to control", late.get("reason").asText(), late.toString());
            t.interrupt(); // what Ctrl-C ends in a terminal
            t.join(30_000);
        } finally {
            System.setOut(out);
        }
        assertEquals(0, code.get(), captured.toString(StandardCharsets.UTF_8));

        // the finished run, read-only
        try (RunDashboard d = RunDashboard.serve(run, "127.0.0.1", 0)) {
            String base = "http://127.0.0.1:" + d.port();
            JsonNode s = get(base + "/api/state?token=" + d.token(), 200);
            assertTrue(s.get("readOnly").asText().contains("controls are off"), s.toString());
            assertEquals(3, s.get("epochs").size());
            assertEquals(3, s.get("points").size());
            assertEquals(steps, s.get("globalStep").asLong());
            assertEquals("fc1", s.get("groups").get(0).get("name").asText());
            assertEquals("fc1", s.get("groups").get(0).get("layers").get(0).get("name").asText());
            HttpResponse<String> cmd = http.send(HttpRequest.newBuilder(URI.create(base + "/api/command"))
                    .header("X-Frost-Token", d.token()).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=freeze&group=fc1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(409, cmd.statusCode(), cmd.body());
            assertTrue(cmd.body().contains("read-only"), cmd.body());
        }
    }

    @Test
    void saveCheckpointNowWritesAResumableCheckpointOfTheRun(@TempDir Path dir) throws Exception {
        Path train = TrainTabularTest.csv(dir, "train.csv", 240, false, 1);
        Path run = dir.resolve("run");
        Path cfg = TrainTabularTest.config(dir, "c.yaml", TrainTabularTest.tabular(train, run, "classification",
                "{type: full}").replace("epochs: 3", "epochs: 150"));
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AtomicInteger code = new AtomicInteger(-1);
        Path copy = dir.resolve("copy");
        long saved;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Thread t = new Thread(() -> code.set(FrostCli.execute("train", cfg.toString(), "--dashboard")));
            t.start();
            Matcher m = URL.matcher("");
            long end = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < end && !(m = URL.matcher(captured.toString(StandardCharsets.UTF_8))).find()) {
                Thread.sleep(20);
            }
            String base = "http://127.0.0.1:" + m.group(2);
            String token = m.group(3);
            while (System.nanoTime() < end && get(base + "/api/state?token=" + token, 200).get("globalStep")
                    .asLong() < 20) {
                Thread.sleep(20);
            }
            JsonNode paused = post(base, token, "action=pause&wait=60000");
            assertTrue(paused.get("applied").asBoolean(), paused.toString());
            JsonNode ck = post(base, token, "action=checkpoint&wait=60000");
            assertTrue(ck.get("applied").asBoolean(), ck.toString());
            assertEquals(run.resolve("checkpoints").resolve("train").toAbsolutePath().toString(),
                    ck.get("path").asText());
            saved = ck.get("step").asLong();
            assertTrue(saved > 0 && saved < 150 * 12, "saved at step " + saved);
            // the folder as a crash at this point would leave it: the dashboard's checkpoint is the latest
            copyTree(run, copy);
            post(base, token, "action=resume&wait=60000");
            t.join(300_000);
        } finally {
            System.setOut(out);
        }
        assertEquals(0, code.get(), captured.toString(StandardCharsets.UTF_8));
        CliRunner.Result r = CliRunner.run("train", "--resume", copy.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("(resumed at step " + saved + ")"), r.out());
    }

    @Test
    void anAddressBeyondLoopbackPrintsAWarning() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            TrainCommand.warnIfExposed("127.0.0.1", "the dashboard");
            assertEquals("", captured.toString(StandardCharsets.UTF_8));
            TrainCommand.warnIfExposed("0.0.0.0", "the dashboard");
        } finally {
            System.setErr(err);
        }
        assertEquals("frost: warning: the dashboard listens on 0.0.0.0: anyone who can reach it and has the token"
                + " can control the run", captured.toString(StandardCharsets.UTF_8).strip());
    }

    private JsonNode post(String base, String token, String form) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/command"))
                .header("X-Frost-Token", token).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                java.nio.file.Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    @Test
    void dashboardOptionsNeedTheFlag(@TempDir Path dir) throws Exception {
        Path cfg = TrainTabularTest.config(dir, "c.yaml", "run: {}\n");
        CliRunner.Result r = CliRunner.run("train", cfg.toString(), "--dashboard-port", "8080");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--dashboard-port, --dashboard-bind and --dashboard-keep need --dashboard"),
                r.err());
    }

    private JsonNode get(String url, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }
}
