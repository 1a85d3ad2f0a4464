package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opens the page of a live run in headless Chromium, clicks fc1's snowflake, checks through the API that fc1 froze at
 * a step boundary and its weights stood still, clicks again and checks they move again; saves docs/dashboard.png.
 */
class DashboardBrowserTest {

    @Test
    void clickingASnowflakeFreezesTheGroup() throws Exception {
        try (LiveRun run = new LiveRun(null)) {
            WebDriver driver = browser();
            try {
                driver.get(run.dashboard.url());
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                // live data: the loss curve is drawn and the step time shown
                wait.until(d -> !d.findElement(By.id("curve")).getAttribute("d").isEmpty()
                        && d.findElement(By.id("steptime")).getText().endsWith("ms"));
                wait.until(d -> !d.findElements(By.cssSelector("tr[data-group='fc1'] button.snow")).isEmpty());
                run.await("30 steps", s -> s.get("globalStep").asLong() >= 30);

                click(wait, "tr[data-group='fc1'] button.snow");
                JsonNode frozen = run.await("fc1 frozen from the page",
                        s -> LiveRun.group(s, "fc1").get("frozen").asBoolean());
                long s = appliedStep(frozen, "freeze");
                wait.until(d -> d.findElement(By.cssSelector("tr[data-group='fc1'] td.state")).getText()
                        .equals("frozen"));
                run.await("20 frozen steps", x -> x.get("globalStep").asLong() >= s + 20);
                // the trainer's timeline has the change at that step boundary, made by the dashboard
                assertTrue(hasTimeline(run.state(), "fc1", true, s), run.state().get("timeline").toString());
                wait.until(d -> d.findElement(By.id("tlog")).getText().contains("fc1 frozen by dashboard"));
                ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
                Thread.sleep(600); // let the charts catch up before the picture
                Path png = screenshotPath();
                Files.createDirectories(png.getParent());
                Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), png,
                        StandardCopyOption.REPLACE_EXISTING);
                assertTrue(Files.size(png) > 10_000 && Files.size(png) < 300_000, "screenshot size "
                        + Files.size(png));

                click(wait, "tr[data-group='fc1'] button.snow");
                JsonNode thawed = run.await("fc1 unfrozen from the page",
                        x -> !LiveRun.group(x, "fc1").get("frozen").asBoolean());
                long u = appliedStep(thawed, "unfreeze");
                run.await("20 thawed steps", x -> x.get("globalStep").asLong() >= u + 20);
                assertTrue(hasTimeline(run.state(), "fc1", false, u));
                // no token: refused, and nothing changes
                assertEquals(403, run.post(null, "action=freeze&group=fc1").statusCode());
                assertEquals(403, run.http.send(HttpRequest.newBuilder(URI.create(run.base() + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode(), "the page needs the token too");
                run.stop();
                for (long i = s - 5; i < s; i++) {
                    assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " before the click");
                }
                for (long i = s; i < u; i++) {
                    assertEquals(Boolean.FALSE, run.fc1Moved.get(i), "step " + i + " while frozen");
                }
                for (long i = u; i < u + 20; i++) {
                    assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " after the second click");
                }
                assertFalse(LiveRun.group(run.state(), "fc1").get("frozen").asBoolean());
            } finally {
                driver.quit();
            }
        }
    }

    @Test
    void aFinishedRunIsShownReadOnly(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 120; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s%n", a, b, a + b > 0 ? "hi" : "lo"));
        }
        Path data = Files.writeString(dir.resolve("d.csv"), csv);
        Path runDir = dir.resolve("run");
        Path cfg = Files.writeString(dir.resolve("c.yaml"), "run: {dir: " + runDir + "}\n"
                + "data: {type: csv, train: " + data + ", split: {valid: 0.25}, csv: {task: classification}}\n"
                + "model: {type: mlp, hidden: [8]}\nstrategy: {type: manual, frozen_groups: [fc1]}\n"
                + "trainer: {epochs: 3, batch_size: 16, progress_bar: false}\n");
        assertEquals(0, dev.frost.cli.FrostCli.execute("train", cfg.toString()));
        WebDriver driver = browser();
        try (RunDashboard d = RunDashboard.serve(runDir, "127.0.0.1", 0)) {
            driver.get(d.url());
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            wait.until(x -> x.findElement(By.id("ro")).isDisplayed());
            assertTrue(driver.findElement(By.id("ro")).getText().contains("controls are off"));
            wait.until(x -> x.findElement(By.id("eloss")).findElements(By.tagName("path")).size() == 2);
            assertTrue(driver.findElement(By.id("status")).getText().contains("read-only"));
            assertFalse(driver.findElement(By.id("pause")).isEnabled());
            assertFalse(driver.findElement(By.cssSelector("tr[data-group='fc1'] button.snow")).isEnabled());
            assertEquals("frozen", driver.findElement(By.cssSelector("tr[data-group='fc1'] td.state")).getText());
            assertTrue(driver.findElement(By.id("tlog")).getText().contains("fc1 frozen by user"),
                    driver.findElement(By.id("tlog")).getText());
        } finally {
            driver.quit();
        }
    }

    /** Headless Chromium through the Debian driver; the test is skipped (with the reason) when either is missing. */
    private static WebDriver browser() throws java.io.IOException {
        File driverBin = new File("/usr/bin/chromedriver");
        File chrome = new File("/usr/bin/chromium");
        Assumptions.assumeTrue(driverBin.canExecute() && chrome.canExecute(),
                "skipped: /usr/bin/chromedriver or /usr/bin/chromium is missing (apt-get install chromium-driver)");
        Path profile = Files.createTempDirectory("frost-chrome");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chrome);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                "--force-device-scale-factor=1", "--hide-scrollbars", "--user-data-dir=" + profile);
        try {
            return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driverBin).build(), o);
        } catch (RuntimeException e) {
            Assumptions.abort("skipped: the browser cannot start: " + e.getMessage().lines().findFirst().orElse(""));
            throw e;
        }
    }

    private static void click(WebDriverWait wait, String css) {
        wait.until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** The step at which the page's command applied (from the command log the API keeps). */
    private static long appliedStep(JsonNode state, String action) {
        long step = -1;
        for (JsonNode e : state.get("events")) {
            if (e.get("action").asText().equals(action) && e.get("applied").asBoolean()) {
                step = e.get("step").asLong();
            }
        }
        assertTrue(step >= 0, "no applied " + action + " in " + state.get("events"));
        return step;
    }

    private static boolean hasTimeline(JsonNode state, String group, boolean frozen, long step) {
        for (JsonNode e : state.get("timeline")) {
            if (e.get("group").asText().equals(group) && e.get("frozen").asBoolean() == frozen
                    && e.get("step").asLong() == step && e.get("by").asText().equals("dashboard")) {
                return true;
            }
        }
        return false;
    }

    /**
     * target/dashboard.png; docs/dashboard.png (the README shows it) only with {@code -Dfrost.updateScreenshot=true},
     * so that a test run does not rewrite a tracked file.
     */
    private static Path screenshotPath() {
        Path docs = Path.of("..", "docs");
        return (Boolean.getBoolean("frost.updateScreenshot") && Files.isDirectory(docs)
                ? docs.resolve("dashboard.png") : Path.of("target", "dashboard.png")).toAbsolutePath().normalize();
    }
}
