package io.hookrelay.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver, so Selenium downloads nothing.
 * Without them the browser tests are skipped on a developer's machine and fail under {@code CI=true}
 * ({@code .ci/run} installs both with apt-get first).
 */
public final class HeadlessChromium {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where the tests write their screenshots; the committed copies are under docs/console/. */
    public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final int MIN_WINDOW_WIDTH = 500;
    private static final int MAX_SHOT_HEIGHT = 4000;

    private HeadlessChromium() {
    }

    /** A fresh browser with an empty profile, or the test is skipped (failed under CI) when none is installed. */
    public static ChromeDriver start(int width, int height) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why = "Browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)";
            if ("true".equals(System.getenv("CI"))) {
                fail(why + "; .ci/run installs them, so under CI=true their absence is a failure");
            }
            Assumptions.abort(why);
        }
        try {
            Path profile = Files.createTempDirectory("hookrelay-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            // The background-networking flags keep Chromium from calling out: this machine's network is closed.
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
            if (width < MIN_WINDOW_WIDTH) {
                // Headless windows are at least 500 px wide; a phone's viewport is emulated instead.
                options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
                        Map.of("width", width, "height", height, "pixelRatio", 2)));
            }
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
            return driver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the whole page to {@code target/console-screenshots/<name>.png}: the window is made as
     * tall as the page (up to {@value #MAX_SHOT_HEIGHT} px) for the shot, then put back. An emulated
     * phone is shot as its screen shows it.
     */
    public static Path screenshot(ChromeDriver driver, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path to = SCREENSHOTS.resolve(name + ".png");
            Dimension window = driver.manage().window().getSize();
            boolean phone = ((Number) driver.executeScript("return window.innerWidth;")).intValue() < MIN_WINDOW_WIDTH;
            long page = ((Number) driver.executeScript("return document.documentElement.scrollHeight;")).longValue();
            // The window's outer height includes no browser chrome when headless; a little slack keeps the bottom edge.
            int tall = (int) Math.min(MAX_SHOT_HEIGHT, page + 16);
            boolean resize = !phone && tall > window.getHeight();
            if (resize) {
                driver.manage().window().setSize(new Dimension(window.getWidth(), tall));
            }
            try {
                Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), to,
                        StandardCopyOption.REPLACE_EXISTING);
            } finally {
                if (resize) {
                    driver.manage().window().setSize(window);
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
