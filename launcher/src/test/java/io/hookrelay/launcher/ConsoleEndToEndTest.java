package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.testing.HeadlessChromium;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Reply;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console against the whole pipeline in one process, used in a real browser as an
 * operator would: create a subscription (a field error first), watch a delivery and its attempts,
 * read a failing endpoint's error and health, redrive its dead letter and see it delivered, rotate
 * the secret. Whatever came from an event or an endpoint must show as text. The screenshots the
 * tests write are the README's (copied to docs/console/).
 */
class ConsoleEndToEndTest {

    static final String KEY = "console-key-0123456789";
    /** What an event's field and an endpoint's answer could hold: must show as these characters. */
    static final String XSS = "<img src=x onerror=alert(1)>";
    static final String HTML_ANSWER = "<h1>Bad gateway</h1><script>alert(2)</script>";
    private static final Duration WAIT = Duration.ofSeconds(60);

    static AllInOne pipeline;
    static WebhookReceiver receiver;
    static PipelineClient ingest;
    private ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = PipelineEnv.of("console-e2e", "WEBHOOKS_API_KEYS", "acme=" + KEY,
                "WEBHOOKS_RETRY_SCHEDULE", "1s,2s", "WEBHOOKS_PARTITIONS", "2");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        ingest = new PipelineClient(pipeline.ingestUrl());
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void createWithAFieldErrorFirstThenWatchADeliveryAndItsAttemptsAndTheBodySent() throws Exception {
        receiver.reply("/created", Reply.status(204));
        signIn(1280, 1000);
        browser.findElement(By.id("new-subscription")).click();
        visible(By.id("f-url")).sendKeys("ftp://files.example/hooks");
        visible(By.id("et-conversion_ftd")).click();
        browser.findElement(By.id("f-fields")).sendKeys("amount, tracking.sub1");
        browser.findElement(By.id("f-submit")).click();

        WebElement urlError = visible(By.cssSelector("[data-field='url'] .field-error"));
        assertThat(urlError.getText()).contains("http or https");
        assertThat(browser.findElement(By.id("f-url")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.switchTo().activeElement()).as("the focus goes to the field named").isEqualTo(browser.findElement(By.id("f-url")));
        assertThat(browser.findElement(By.id("form-errors")).getText()).contains("not saved");
        HeadlessChromium.screenshot(browser, "subscription-form-error");

        WebElement url = browser.findElement(By.id("f-url"));
        url.clear();
        url.sendKeys(receiver.url("/created"));
        browser.findElement(By.id("f-description")).sendKeys("console e2e");
        browser.findElement(By.id("f-submit")).click();

        WebElement secret = visible(By.id("shown-secret"));
        assertThat(secret.getText()).startsWith("whsec_");
        String subscription = browser.findElement(By.id("detail-title")).getText();
        assertThat(subscription).startsWith("sub_");
        assertThat(browser.getCurrentUrl()).endsWith("#/subscriptions/" + subscription).doesNotContain(KEY);

        ObjectNode event = PipelineClient.ftd("acme", "console-1");
        event.putObject("tracking").put("sub1", XSS).put("click_id", "clk-1");
        ingest.send(KEY, event);
        await().atMost(WAIT).until(() -> receiver.received("/created").size() == 1);

        WebElement row = refreshUntil(By.id("deliveries-filter"), By.cssSelector("#deliveries-table tr[data-event-id='console-1']"));
        assertThat(row.getText()).contains("delivered").contains("204");
        HeadlessChromium.screenshot(browser, "subscription-detail");

        row.findElement(By.linkText("console-1")).click();
        WebElement delivery = visible(By.cssSelector("#event-deliveries article[data-subscription-id='" + subscription + "']"));
        List<WebElement> attempts = delivery.findElements(By.cssSelector("tbody tr"));
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).findElements(By.tagName("td")).get(2).getText()).isEqualTo("204");

        delivery.findElement(By.cssSelector("button[data-action='body']")).click();
        WebElement body = waiting().until(ExpectedConditions.visibilityOf(delivery.findElement(By.cssSelector(".sent-body"))));
        waiting().until(d -> body.getText().contains("amount"));
        assertThat(body.getText()).contains(XSS).contains("125.50").doesNotContain("currency").doesNotContain("luckyspin");
        assertThat(browser.findElements(By.cssSelector("#event-deliveries img"))).as("the event's field was not made markup").isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(receiver.received("/created").get(0).bodyText()).contains("\"sub1\"");
        HeadlessChromium.screenshot(browser, "event");

        delivery.findElement(By.cssSelector("button[data-action='resend']")).click();
        WebElement resent = delivery.findElement(By.cssSelector(".result"));
        waiting().until(d -> resent.getText().startsWith("Queued"));
        assertThat(resent.getText()).startsWith("Queued 1 delivery again");
        await().atMost(WAIT).until(() -> receiver.received("/created").size() == 2);
        assertThat(receiver.received("/created")).extracting(r -> r.header("webhook-id")).as("one delivery, sent again")
                .containsOnly(receiver.received("/created").get(0).header("webhook-id"));
    }

    @Test
    void aFailingEndpointShowsItsErrorAndHealthAndItsDeadLetterIsRedrivenAndDelivered() throws Exception {
        receiver.reply("/failing", Reply.status(502).withHeader("Content-Type", "text/html").withBody(HTML_ANSWER));
        String subscription = ingest.subscribe(KEY, receiver.url("/failing"), "kyc.*").get("id").asText();
        ingest.send(KEY, kyc("console-dead-1"));
        // First attempt and two retries (1s, 2s), then the dead letter.
        await().atMost(WAIT).until(() -> receiver.received("/failing").size() == 3);

        signIn(1280, 1100);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription);
        WebElement failing = refreshUntil(null, By.cssSelector("#detail-alerts [data-alert='failing']"),
                "3 consecutive failures");
        assertThat(failing.getText()).contains("endpoint.failing").contains("3 consecutive failures").contains("502");
        WebElement hour = visible(By.cssSelector("#health-table tr[data-window='hour']"));
        List<WebElement> cells = hour.findElements(By.tagName("td"));
        assertThat(cells.get(1).getText()).isEqualTo("3");
        assertThat(cells.get(3).getText()).isEqualTo("3");
        assertThat(cells.get(4).getText()).isEqualTo("0%");
        assertThat(cells.get(5).getText()).as("last hour's p50").matches("≤ \\d+ ms");
        assertThat(cells.get(6).getText()).as("last hour's p99").matches("≤ \\d+ ms");
        assertThat(browser.findElement(By.id("health-facts")).getText()).contains("HTTP 502");
        assertThat(browser.findElements(By.cssSelector("#chart-minutes rect.bar-failed"))).hasSize(60);
        HeadlessChromium.screenshot(browser, "health-failing");

        new Select(browser.findElement(By.id("d-state"))).selectByValue("delivered");
        browser.findElement(By.cssSelector("#deliveries-filter button[type='submit']")).click();
        waiting().until(d -> d.findElement(By.id("deliveries-status")).getText().equals("No deliveries match."));
        new Select(browser.findElement(By.id("d-state"))).selectByValue("dead");
        browser.findElement(By.cssSelector("#deliveries-filter button[type='submit']")).click();
        WebElement dead = visible(By.cssSelector("#deliveries-table tr[data-event-id='console-dead-1']"));
        assertThat(dead.getText()).contains("dead").contains("exhausted");

        findEvent("console-dead-1");
        WebElement delivery = visible(By.cssSelector("#event-deliveries article[data-subscription-id='" + subscription + "']"));
        waiting().until(d -> delivery.findElements(By.cssSelector("tbody tr")).size() == 3);
        List<WebElement> first = delivery.findElements(By.cssSelector("tbody tr")).get(0).findElements(By.tagName("td"));
        assertThat(first.get(2).getText()).isEqualTo("502");
        assertThat(first.get(6).getText()).isEqualTo(HTML_ANSWER);
        assertThat(delivery.findElements(By.tagName("h1"))).as("the endpoint's answer was not made markup").isEmpty();
        assertThat(delivery.findElements(By.tagName("script"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        HeadlessChromium.screenshot(browser, "event-failing");

        receiver.reply("/failing", Reply.status(204));
        browser.findElement(By.id("nav-dead-letters")).click();
        new Select(visible(By.id("dl-subscription"))).selectByValue(subscription);
        browser.findElement(By.cssSelector("#dead-letter-filter button[type='submit']")).click();
        WebElement letter = refreshUntil(By.id("dead-letter-filter"), By.cssSelector("#dead-letters-table tbody tr"));
        assertThat(letter.getText()).contains("exhausted").contains("console-dead-1").contains("502");
        HeadlessChromium.screenshot(browser, "dead-letters");
        letter.findElement(By.cssSelector("input[type='checkbox']")).click();
        browser.findElement(By.id("redrive-selected")).click();

        WebElement result = visible(By.id("redrive-result"));
        waiting().until(d -> result.getText().startsWith("Redrove"));
        assertThat(result.getText()).startsWith("Redrove 1 letter");
        await().atMost(WAIT).until(() -> receiver.received("/failing").size() == 4);
        assertThat(receiver.received("/failing").get(3).header("webhook-id"))
                .isEqualTo(receiver.received("/failing").get(0).header("webhook-id"));

        findEvent("console-dead-1");
        WebElement redriven = refreshUntil(By.id("event-refresh"),
                By.cssSelector("#event-deliveries article[data-subscription-id='" + subscription + "']"), "delivered");
        List<WebElement> rows = redriven.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(4);
        assertThat(rows.get(3).findElements(By.tagName("td")).get(2).getText()).isEqualTo("204");
        HeadlessChromium.screenshot(browser, "event-redriven");
    }

    @Test
    void recoveringAWindowQueuesItsDeadDeliveriesAgainAndShowsHowMany() throws Exception {
        receiver.reply("/recovering", Reply.status(500));
        String subscription = ingest.subscribe(KEY, receiver.url("/recovering"), "conversion.deposit").get("id").asText();
        ingest.send(KEY, PipelineClient.ftd("acme", "console-recover-1").put("event_type", "conversion.deposit"));
        await().atMost(WAIT).until(() -> receiver.received("/recovering").size() == 3);
        receiver.reply("/recovering", Reply.status(204));

        signIn(1280, 1000);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription);
        refreshUntil(null, By.cssSelector("#deliveries-table tr[data-event-id='console-recover-1']"), "dead");
        browser.findElement(By.cssSelector("#recover-form button[type='submit']")).click();
        WebElement recovered = visible(By.id("recover-result"));
        assertThat(recovered.getText()).startsWith("Queued 1 delivery again");
        await().atMost(WAIT).until(() -> receiver.received("/recovering").size() == 4);
        assertThat(receiver.received("/recovering").get(3).header("webhook-id"))
                .isEqualTo(receiver.received("/recovering").get(0).header("webhook-id"));
    }

    @Test
    void editingKeepsWhatTheFormDoesNotChangeAndClearsWhatWasEmptied() throws Exception {
        receiver.reply("/edited", Reply.status(204));
        ObjectNode create = Json.object().put("url", receiver.url("/edited")).put("description", "before")
                .put("max_in_flight", 3).put("rate_limit_per_second", 50);
        create.putArray("event_types").add("commission.*").add("conversion.ftd");
        create.putArray("fields").add("amount");
        create.putObject("filter").putArray("brand_id").add("luckyspin");
        create.putObject("where").putObject("currency").putArray("in").add("EUR");
        String subscription = ingest.call("POST", "/v1/subscriptions", KEY, create).body().get("id").asText();

        signIn(1280, 1000);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription + "/edit");
        WebElement description = visible(By.id("f-description"));
        waiting().until(d -> "before".equals(description.getAttribute("value")));
        assertThat(browser.findElement(By.id("et-commission__")).isSelected()).isTrue();
        assertThat(browser.findElement(By.id("et-conversion_ftd")).isSelected()).isTrue();
        assertThat(browser.findElement(By.id("f-where")).getAttribute("value")).isEqualTo("{\"currency\":{\"in\":[\"EUR\"]}}");
        description.clear();
        description.sendKeys("after");
        browser.findElement(By.id("f-where")).clear();
        browser.findElement(By.id("f-rate-limit")).clear();
        browser.findElement(By.id("f-submit")).click();
        waiting().until(d -> d.findElement(By.id("flash")).getText().equals("Saved."));

        JsonNode saved = ingest.call("GET", "/v1/subscriptions/" + subscription, KEY, null).body();
        assertThat(saved.get("description").asText()).isEqualTo("after");
        assertThat(saved.path("where").isMissingNode() || saved.get("where").isNull()).as("where cleared").isTrue();
        assertThat(saved.get("rate_limit_per_second").isNull()).as("rate limit cleared").isTrue();
        assertThat(saved.get("max_in_flight").asInt()).isEqualTo(3);
        assertThat(saved.get("fields").toString()).isEqualTo("[\"amount\"]");
        assertThat(saved.get("filter").get("brand_id").toString()).isEqualTo("[\"luckyspin\"]");
        assertThat(saved.get("event_types")).extracting(JsonNode::asText).as("the picker's order, same set")
                .containsExactlyInAnyOrder("commission.*", "conversion.ftd");
    }

    @Test
    void deliveriesPageBackWithOlderDeliveries() throws Exception {
        receiver.reply("/paged", Reply.status(204));
        String subscription = ingest.subscribe(KEY, receiver.url("/paged"), "conversion.qualified").get("id").asText();
        int events = 55;
        var batch = Json.MAPPER.createArrayNode();
        for (int i = 0; i < events; i++) {
            batch.add(PipelineClient.ftd("acme", "console-page-" + i).put("event_type", "conversion.qualified"));
        }
        assertThat(ingest.call("POST", "/v1/events", KEY, batch).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> receiver.received("/paged").size() == events);

        signIn(1280, 1000);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription);
        refreshUntil(null, By.id("deliveries-more"));
        By rows = By.cssSelector("#deliveries-table tr[data-webhook-id]");
        assertThat(browser.findElements(rows)).hasSize(50);
        browser.findElement(By.id("deliveries-more")).click();
        waiting().until(d -> d.findElements(rows).size() == events);
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("deliveries-more")));
        assertThat(browser.findElements(rows).stream().map(r -> r.getAttribute("data-event-id")).distinct().count())
                .as("every delivery once").isEqualTo(events);
    }

    @Test
    void rotatingTheSecretShowsTheNewOneOnceWithTheGraceEndAndDeleteAsksFirst() throws Exception {
        receiver.reply("/rotating", Reply.status(204));
        String subscription = ingest.subscribe(KEY, receiver.url("/rotating"), "commission.*").get("id").asText();
        String before = ingest.call("GET", "/v1/subscriptions/" + subscription + "/secret", KEY, null).body().get("secret").asText();

        signIn(1280, 1000);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription);
        visible(By.id("detail-rotate")).click();
        visible(By.id("confirm-ok")).click();
        WebElement secret = visible(By.id("shown-secret"));
        String rotated = secret.getText();
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(before);
        assertThat(ingest.call("GET", "/v1/subscriptions/" + subscription + "/secret", KEY, null).body().get("secret").asText())
                .isEqualTo(rotated);
        assertThat(browser.findElement(By.id("detail-result")).getText()).contains("previous secret stays valid until");
        assertThat(browser.findElement(By.cssSelector("#detail-result time")).getAttribute("title")).endsWith("Z (UTC)");
        HeadlessChromium.screenshot(browser, "secret-rotated");

        browser.findElement(By.id("detail-reveal")).click();
        waiting().until(d -> d.findElement(By.id("detail-result")).getText().startsWith("The current signing secret"));
        assertThat(browser.findElement(By.id("shown-secret")).getText()).isEqualTo(rotated);

        browser.findElement(By.id("detail-test")).click();
        WebElement fired = visible(By.cssSelector("#detail-result .test-summary"));
        assertThat(fired.getText()).startsWith("Delivered: HTTP 204 in ");
        assertThat(receiver.received("/rotating")).hasSize(1);

        browser.findElement(By.id("detail-toggle")).click();
        WebElement disabled = visible(By.cssSelector("#detail-alerts [data-alert='disabled']"));
        assertThat(disabled.getText()).contains("endpoint.disabled");
        assertThat(ingest.call("GET", "/v1/subscriptions/" + subscription, KEY, null).body().get("enabled").asBoolean()).isFalse();

        browser.findElement(By.id("detail-delete")).click();
        WebElement cancel = visible(By.id("confirm-cancel"));
        assertThat(browser.switchTo().activeElement()).as("the dialog takes the focus, on its safe choice").isEqualTo(cancel);
        cancel.sendKeys(Keys.ESCAPE);
        waiting().until(ExpectedConditions.invisibilityOf(cancel));
        assertThat(ingest.call("GET", "/v1/subscriptions/" + subscription, KEY, null).status()).as("cancelled").isEqualTo(200);
        browser.findElement(By.id("detail-delete")).click();
        visible(By.id("confirm-ok")).click();
        waiting().until(d -> d.findElement(By.id("flash")).getText().equals("Deleted " + subscription + "."));
        assertThat(ingest.call("GET", "/v1/subscriptions/" + subscription, KEY, null).status()).isEqualTo(404);
        assertThat(browser.findElements(By.cssSelector("tr[data-subscription-id='" + subscription + "']"))).isEmpty();
    }

    @Test
    void aPostbackTemplateIsPreviewedWithItsEmptyMacrosBeforeItIsSaved() {
        signIn(1280, 1100);
        browser.findElement(By.id("new-subscription")).click();
        new Select(visible(By.id("f-mode"))).selectByValue("postback");
        WebElement template = visible(By.id("f-url-template"));
        template.sendKeys(receiver.url("/postback") + "?cid={tracking.click_id}&payout={amount}&r={reason_code}");
        WebElement url = browser.findElement(By.id("preview-url"));
        waiting().until(d -> url.getText().contains("payout="));
        assertThat(url.getText()).startsWith(receiver.url("/postback") + "?cid=");
        assertThat(browser.findElement(By.id("preview-empty")).getText()).contains("{reason_code}");
        HeadlessChromium.screenshot(browser, "subscription-form-postback");

        template.sendKeys("&x={nope}");
        WebElement status = browser.findElement(By.id("preview-status"));
        waiting().until(d -> status.getText().contains("{nope}"));
        assertThat(url.getText()).isEmpty();
    }

    @Test
    void theSubscriptionPageIsReadableAtPhoneWidth() throws Exception {
        String subscription = ingest.subscribe(KEY, receiver.url("/phone"), "conversion.*").get("id").asText();
        signIn(390, 844);
        browser.get(consoleUrl() + "#/subscriptions/" + subscription);
        visible(By.cssSelector("#health-table tr[data-window='day']"));
        Long overflow = (Long) browser.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("page wider than the phone's screen, px").isLessThanOrEqualTo(0L);
        HeadlessChromium.screenshot(browser, "subscription-detail-phone");
    }

    // ---- how a person uses it ---------------------------------------------------------------------

    private void signIn(int width, int height) {
        browser = HeadlessChromium.start(width, height);
        browser.get(consoleUrl());
        visible(By.id("api-key")).sendKeys(KEY, Keys.ENTER);
        visible(By.id("subscriptions-table"));
    }

    private String consoleUrl() {
        return pipeline.ingestUrl() + "/console/";
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    private WebElement visible(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /**
     * Presses the page's own refresh (a filter's Show, a Refresh button; null: the browser's reload)
     * until {@code wanted} shows, as someone waiting for a delivery would.
     */
    private WebElement refreshUntil(By refresh, By wanted) {
        return refreshUntil(refresh, wanted, "");
    }

    /** As {@link #refreshUntil(By, By)}, until what shows also contains {@code text}. */
    private WebElement refreshUntil(By refresh, By wanted, String text) {
        return new WebDriverWait(browser, WAIT, Duration.ofSeconds(1)).until(d -> {
            List<WebElement> found = d.findElements(wanted);
            if (!found.isEmpty() && found.get(0).isDisplayed() && found.get(0).getText().contains(text)) {
                return found.get(0);
            }
            if (refresh == null) {
                d.navigate().refresh();
                return null;
            }
            WebElement r = d.findElement(refresh);
            if (r.getTagName().equals("form")) {
                r.findElement(By.cssSelector("button[type='submit']")).click();
            } else {
                r.click();
            }
            return null;
        });
    }

    private void findEvent(String eventId) {
        WebElement search = browser.findElement(By.id("event-search-id"));
        search.clear();
        search.sendKeys(eventId, Keys.ENTER);
    }

    private static ObjectNode kyc(String eventId) {
        return Json.object().put("event_id", eventId).put("event_type", "kyc.status_changed")
                .put("occurred_at", "2026-11-27T10:15:30Z").put("operator_id", "acme").put("brand_id", "luckyspin")
                .put("player_ref", "p-" + eventId).put("status", "approved").put("previous_status", "pending");
    }
}
