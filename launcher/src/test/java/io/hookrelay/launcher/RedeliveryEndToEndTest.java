package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.PrometheusText;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Resend and recover through the whole pipeline: the event is read back from Kafka, written to the
 * first retry tier, and delivered by the retry-service under the webhook-id the subscriber saw the
 * first time, signed with the subscription's secret. What is asserted is what the subscriber
 * received and what the API answered.
 */
class RedeliveryEndToEndTest {

    static final String KEY = "acme-key-0123456789";
    static final String OTHER_KEY = "other-key-0123456789";
    static AllInOne pipeline;
    static WebhookReceiver receiver;
    static PipelineClient ingest;
    static PipelineClient status;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = Map.of(
                "WEBHOOKS_DATA_DIR", Files.createTempDirectory("hookrelay-redelivery-e2e-").toString(),
                "WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()),
                "WEBHOOKS_API_KEYS", "acme=" + KEY + ",other=" + OTHER_KEY,
                "WEBHOOKS_RETRY_SCHEDULE", "1s,1s",
                "WEBHOOKS_PARTITIONS", "2",
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        ingest = new PipelineClient(pipeline.ingestUrl());
        status = new PipelineClient("http://localhost:" + pipeline.dispatcherPort());
    }

    @AfterAll
    static void stop() {
        receiver.close();
        pipeline.close();
    }

    @Test
    void resendOfADeliveredEventReachesTheSubscriberAgainUnderTheSameWebhookIdAndSignedBody() throws Exception {
        JsonNode sub = subscribe("/resend", "brand-resend");
        String subscription = sub.get("id").asText();
        ingest.send(KEY, ftd("resend-1", "brand-resend"));
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/resend").size() == 1);
        Received first = receiver.received("/resend").get(0);
        // The log must have the delivery before a resend can find it.
        await().atMost(Duration.ofSeconds(30)).until(() -> "delivered".equals(state("resend-1", subscription)));

        PipelineClient.Answer a = status.call("POST", "/v1/events/resend-1/resend", KEY, null);

        assertThat(a.status()).as(a.body().toString()).isEqualTo(202);
        assertThat(a.body().get("queued").asInt()).isEqualTo(1);
        assertThat(a.body().get("deliveries").get(0).get("webhook_id").asText()).isEqualTo(first.header("webhook-id"));
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/resend").size() == 2);
        Received again = receiver.received("/resend").get(1);
        assertThat(again.header("webhook-id")).isEqualTo(first.header("webhook-id"));
        assertThat(Json.tree(again.body())).isEqualTo(Json.tree(first.body()));
        assertThat(Signatures.valid(sub.get("secret").asText(), again.header("webhook-id"),
                again.header("webhook-timestamp"), again.body(), again.header("webhook-signature"))).isTrue();
        // The log shows the resend as a new attempt of the same delivery.
        await().atMost(Duration.ofSeconds(30)).until(() -> deliveries("resend-1").get(0).get("attempt_count").asInt() == 2);
        assertThat(deliveries("resend-1").get(0).get("event_position").get("topic").asText()).isEqualTo("webhooks.accepted");
        assertThat(metric("hookrelay_redeliveries_total", "request", "resend")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void recoverOfADeadLetteredWindowRedeliversEachDeliveryUnderItsOriginalWebhookId() throws Exception {
        receiver.reply("/recover", Reply.status(500));
        String subscription = subscribe("/recover", "brand-recover").get("id").asText();
        Instant since = Instant.now().minusSeconds(1);
        ingest.send(KEY, ftd("recover-1", "brand-recover"));
        ingest.send(KEY, ftd("recover-2", "brand-recover"));
        // Three attempts each (first + 1s + 1s), then dead.
        await().atMost(Duration.ofSeconds(60)).until(() -> "dead".equals(state("recover-1", subscription))
                && "dead".equals(state("recover-2", subscription)));
        List<String> originalIds = receiver.received("/recover").stream().map(r -> r.header("webhook-id"))
                .distinct().toList();
        assertThat(originalIds).hasSize(2);
        int before = receiver.received("/recover").size();
        receiver.reply("/recover", Reply.status(204));

        PipelineClient.Answer a = status.call("POST", "/v1/subscriptions/" + subscription + "/recover", KEY,
                Json.object().put("since", since.toString()));

        assertThat(a.status()).as(a.body().toString()).isEqualTo(202);
        assertThat(a.body().get("queued").asInt()).isEqualTo(2);
        assertThat(a.body().get("background").asBoolean()).isFalse();
        assertThat(a.body().get("has_more").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/recover").size() == before + 2);
        List<Received> recovered = receiver.received("/recover").subList(before, before + 2);
        assertThat(recovered).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(originalIds);
        await().atMost(Duration.ofSeconds(30)).until(() -> "delivered".equals(state("recover-1", subscription))
                && "delivered".equals(state("recover-2", subscription)));

        // Nothing is dead or failing any more: a second recover of the window queues nothing.
        PipelineClient.Answer again = status.call("POST", "/v1/subscriptions/" + subscription + "/recover", KEY,
                Json.object().put("since", since.toString()));
        assertThat(again.body().get("queued").asInt()).isZero();
    }

    @Test
    void recoverRefusesABadWindowAndADisabledSubscriptionNamingWhy() throws Exception {
        String subscription = subscribe("/refused", "brand-refused").get("id").asText();
        String path = "/v1/subscriptions/" + subscription + "/recover";

        PipelineClient.Answer noSince = status.call("POST", path, KEY, Json.object().put("until", "2026-11-27T00:00:00Z"));
        assertThat(noSince.status()).isEqualTo(400);
        assertThat(noSince.body().get("details").get(0).get("field").asText()).isEqualTo("since");
        PipelineClient.Answer badTime = status.call("POST", path, KEY, Json.object().put("since", "yesterday"));
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.body().get("message").asText()).contains("since").contains("yesterday");
        PipelineClient.Answer backwards = status.call("POST", path, KEY,
                Json.object().put("since", "2026-11-27T10:00:00Z").put("until", "2026-11-27T09:00:00Z"));
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.body().get("details").get(0).get("field").asText()).isEqualTo("until");
        assertThat(status.call("POST", path, OTHER_KEY, Json.object().put("since", "2026-11-27T10:00:00Z")).status())
                .isEqualTo(404);

        ingest.call("PATCH", "/v1/subscriptions/" + subscription, KEY, Json.object().put("enabled", false));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                status.call("POST", path, KEY, Json.object().put("since", "2026-11-27T10:00:00Z")).status() == 409);
        PipelineClient.Answer disabled = status.call("POST", path, KEY, Json.object().put("since", "2026-11-27T10:00:00Z"));
        assertThat(disabled.body().get("error").asText()).isEqualTo("subscription_disabled");
    }

    @Test
    void resendOfAnEventWithNoDeliveryIsNotFoundAndOtherOperatorsSeeNothing() throws Exception {
        String subscription = subscribe("/scoped", "brand-scoped").get("id").asText();
        ingest.send(KEY, ftd("scoped-1", "brand-scoped"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "delivered".equals(state("scoped-1", subscription)));

        assertThat(status.call("POST", "/v1/events/never-sent/resend", KEY, null).status()).isEqualTo(404);
        // Another operator's key: the event is not theirs, so there is nothing to resend.
        assertThat(status.call("POST", "/v1/events/scoped-1/resend", OTHER_KEY, null).status()).isEqualTo(404);
        assertThat(status.call("POST", "/v1/events/scoped-1/resend?subscription_id=" + subscription, OTHER_KEY, null)
                .status()).isEqualTo(404);
        PipelineClient.Answer unknownField = status.call("POST", "/v1/events/scoped-1/resend", KEY,
                Json.object().put("subscription", subscription));
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.body().get("details").get(0).get("field").asText()).isEqualTo("subscription");
        int before = receiver.received("/scoped").size();
        ObjectNode one = Json.object().put("subscription_id", subscription);
        assertThat(status.call("POST", "/v1/events/scoped-1/resend", KEY, one).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/scoped").size() == before + 1);
    }

    /** A subscription of its own test only: each test's events carry their own brand. */
    private static JsonNode subscribe(String path, String brand) throws Exception {
        ObjectNode body = Json.object().put("url", receiver.url(path));
        body.putArray("event_types").add("conversion.ftd");
        body.putObject("filter").putArray("brand_id").add(brand);
        PipelineClient.Answer a = ingest.call("POST", "/v1/subscriptions", KEY, body);
        assertThat(a.status()).as(a.body().toString()).isEqualTo(201);
        return a.body();
    }

    private static ObjectNode ftd(String eventId, String brand) {
        return PipelineClient.ftd("acme", eventId).put("brand_id", brand);
    }

    private static double metric(String name, String... labels) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + pipeline.dispatcherPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return PrometheusText.parse(text).sum(name, labels);
    }

    private static List<JsonNode> deliveries(String eventId) throws Exception {
        PipelineClient.Answer a = status.call("GET", "/v1/events/" + eventId + "/deliveries", KEY, null);
        if (a.status() != 200) {
            return List.of();
        }
        return Json.MAPPER.convertValue(a.body().get("data"),
                Json.MAPPER.getTypeFactory().constructCollectionType(List.class, JsonNode.class));
    }

    private static String state(String eventId, String subscriptionId) throws Exception {
        return deliveries(eventId).stream().filter(d -> d.get("subscription_id").asText().equals(subscriptionId))
                .map(d -> d.get("state").asText()).findFirst().orElse(null);
    }
}
