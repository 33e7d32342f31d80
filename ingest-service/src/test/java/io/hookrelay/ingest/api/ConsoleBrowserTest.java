package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static io.hookrelay.ingest.api.ApiServer.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.hookrelay.testing.HeadlessChromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The console in a real browser, used as an operator would: sign in, look, sign out. */
class ConsoleBrowserTest {

    /** A public address (example.com's former one): passes the address rule without a DNS lookup; never called. */
    private static final String PUBLIC_URL = "https://93.184.215.14/hooks/hookrelay";
    /** What an operator's description (or an event's field) could hold: must show as these characters. */
    private static final String XSS = "<img src=x onerror=alert(1)>";

    private static ApiServer server;
    private static String subscriptionA;
    private static String subscriptionB;
    private ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.start(TestKafka.bootstrap(), false, 10_000);
        ApiClient api = server.client();
        subscriptionA = api.postJson("/v1/subscriptions", KEY_A, Map.of("url", PUBLIC_URL,
                "event_types", List.of("conversion.ftd", "commission.*"), "description", XSS)).json().get("id").asText();
        subscriptionB = api.postJson("/v1/subscriptions", KEY_B, Map.of("url", PUBLIC_URL,
                "event_types", List.of("conversion.ftd"), "description", "operator B's")).json().get("id").asText();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private String consoleUrl() {
        return "http://127.0.0.1:" + server.port() + "/console/";
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(15));
    }

    private Object storedKey() {
        return browser.executeScript("return sessionStorage.getItem('hookrelay.apiKey');");
    }

    /** Types the key and presses Enter, as someone at a keyboard would. */
    private void signInWith(String key) {
        browser.get(consoleUrl());
        WebElement field = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        assertThat(browser.switchTo().activeElement()).as("the key field has the focus on arrival").isEqualTo(field);
        field.sendKeys(key, Keys.ENTER);
    }

    private WebElement rowOf(String subscriptionId) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("tr[data-subscription-id='" + subscriptionId + "']")));
    }

    @Test
    void aWrongKeyGetsAPlainMessageAndIsNotKept() {
        browser = HeadlessChromium.start(1280, 800);
        signInWith("not-a-key-0123456789");

        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-error")));
        assertThat(error.getText()).isEqualTo("That API key was not accepted. Check it and try again.");
        assertThat(storedKey()).isNull();
        assertThat(browser.findElement(By.id("subscriptions")).isDisplayed()).isFalse();
        HeadlessChromium.screenshot(browser, "sign-in-wrong-key");
    }

    @Test
    void signingInShowsTheOperatorsOwnSubscriptionsWithWhatTheyHoldAsText() {
        browser = HeadlessChromium.start(1280, 800);
        signInWith(KEY_A);

        WebElement row = rowOf(subscriptionA);
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).contains(subscriptionA).contains(XSS);
        assertThat(cells.get(1).getText()).isEqualTo("enabled");
        assertThat(cells.get(2).getText()).isEqualTo(PUBLIC_URL);
        assertThat(cells.get(3).getText()).isEqualTo("conversion.ftd, commission.*");
        WebElement created = cells.get(4).findElement(By.tagName("time"));
        assertThat(created.getAttribute("title")).matches("2026-11-27T10:00:\\d\\dZ \\(UTC\\)");

        assertThat(row.findElements(By.tagName("img"))).as("the description was not made markup").isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(browser.findElements(By.cssSelector("tr[data-subscription-id='" + subscriptionB + "']")))
                .as("another operator's subscription").isEmpty();
        assertThat(browser.getCurrentUrl()).doesNotContain(KEY_A);
        assertThat(browser.manage().getCookies()).isEmpty();
        assertThat(storedKey()).isEqualTo(KEY_A);
        assertThat(browser.findElement(By.id("api-key")).getAttribute("value")).as("the field is cleared").isEmpty();
        HeadlessChromium.screenshot(browser, "subscriptions");
    }

    @Test
    void aReloadKeepsTheSessionAndSignOutForgetsTheKey() {
        browser = HeadlessChromium.start(1280, 800);
        signInWith(KEY_A);
        rowOf(subscriptionA);

        browser.navigate().refresh();
        rowOf(subscriptionA);

        browser.findElement(By.id("sign-out")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        assertThat(storedKey()).isNull();
        assertThat(browser.findElements(By.cssSelector("tr[data-subscription-id]"))).isEmpty();
        browser.navigate().refresh();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        assertThat(browser.findElement(By.id("subscriptions")).isDisplayed()).isFalse();
    }

    @Test
    void readableAtPhoneWidthWithoutSidewaysScrolling() {
        browser = HeadlessChromium.start(390, 844);
        signInWith(KEY_A);
        WebElement row = rowOf(subscriptionA);

        Long overflow = (Long) browser.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("page wider than the phone's screen, px").isLessThanOrEqualTo(0L);
        assertThat(row.findElements(By.tagName("td")).get(2).getText()).isEqualTo(PUBLIC_URL);
        HeadlessChromium.screenshot(browser, "subscriptions-phone");
    }
}
