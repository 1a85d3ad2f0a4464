package dev.frost.cli.dashboard;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opens the page in headless Chromium, clicks fc1's snowflake and checks through the API that fc1 froze. */
class DashboardBrowserTest {

    @Test
    void clickingASnowflakeFreezesTheGroup() throws Exception {
        File driverBin = new File("/usr/bin/chromedriver");
        File chrome = new File("/usr/bin/chromium");
        Assumptions.assumeTrue(driverBin.canExecute() && chrome.canExecute(),
                "skipped: /usr/bin/chromedriver or /usr/bin/chromium is missing (apt-get install chromium-driver)");
        try (LiveRun run = new LiveRun(null)) {
            Path profile = Files.createTempDirectory("frost-chrome");
            ChromeOptions o = new ChromeOptions();
            o.setBinary(chrome);
            o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1300,900",
                    "--user-data-dir=" + profile);
            WebDriver driver;
            try {
                driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driverBin)
                        .build(), o);
            } catch (RuntimeException e) {
                Assumptions.abort("skipped: the browser cannot start: " + e.getMessage().lines().findFirst()
                        .orElse(""));
                return;
            }
            try {
                driver.get(run.dashboard.url());
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
                wait.until(d -> !d.findElement(By.id("curve")).getAttribute("d").isEmpty()
                        && d.findElement(By.id("steptime")).getText().endsWith("ms"));
                wait.until(d -> !d.findElements(By.cssSelector("tr[data-group='fc1'] button.snow")).isEmpty());
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
                    d.findElement(By.cssSelector("tr[data-group='fc1'] button.snow")).click();
                    return true;
                });
                run.await("fc1 frozen from the page", s -> LiveRun.group(s, "fc1").get("frozen").asBoolean());
                wait.until(d -> d.findElement(By.cssSelector("tr[data-group='fc1'] td.state")).getText()
                        .equals("frozen"));
                long step = run.state().get("globalStep").asLong();
                run.await("a few frozen steps", s -> s.get("globalStep").asLong() > step + 20);
                Thread.sleep(300);
                Path png = Path.of("target", "dashboard-screenshot.png").toAbsolutePath();
                Files.createDirectories(png.getParent());
                Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), png,
                        StandardCopyOption.REPLACE_EXISTING);
                assertTrue(Files.size(png) > 1000);
                System.out.println("dashboard screenshot: " + png);
            } finally {
                driver.quit();
            }
            run.stop();
        }
    }
}
