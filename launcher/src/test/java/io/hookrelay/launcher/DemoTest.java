package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.testing.HeadlessChromium;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** {@code ./run.sh demo} as a newcomer sees it: an embedded broker, a generated key, signed deliveries. */
class DemoTest {

    @Test
    void demoDeliversSignedSampleEventsWithAGeneratedKeyAndTheConsoleOpensOntoThem() throws Exception {
        Map<String, String> env = PipelineEnv.of("demo");
        Path data = Path.of(env.get("WEBHOOKS_DATA_DIR"));
        try (AllInOne all = AllInOne.start(PipelineConfig.from(env), env, true, Clock.systemUTC())) {
            assertThat(all.apiKey()).startsWith("demo_");
            assertThat(all.config().get(PipelineConfig.ALLOW_PRIVATE_TARGETS)).isTrue();
            assertThat(Files.readString(data.resolve("demo-api-key"))).isEqualTo(all.apiKey());
            await().atMost(Duration.ofSeconds(60)).until(() -> all.demoDeliveriesVerified() >= 3);

            // The banner's console URL and key, as a newcomer would use them: the demo's live deliveries.
            ChromeDriver browser = HeadlessChromium.start(1280, 1000);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
                browser.get(all.ingestUrl() + "/console/");
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key"))).sendKeys(all.apiKey(), Keys.ENTER);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-subscription-id] a"))).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#deliveries-table tr[data-webhook-id]")));
                assertThat(browser.findElement(By.id("detail-description")).getText()).contains("./run.sh demo");
                assertThat(browser.findElements(By.cssSelector("#deliveries-table tr[data-webhook-id]"))).isNotEmpty()
                        .allSatisfy(r -> assertThat(r.getText()).contains("delivered"));
                HeadlessChromium.screenshot(browser, "demo");
            } finally {
                browser.quit();
            }
        }
    }
}
