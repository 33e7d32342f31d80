package io.hookrelay.dispatcher;

import static io.hookrelay.dispatcher.Fixtures.accept;
import static io.hookrelay.dispatcher.Fixtures.awaitDispatched;
import static io.hookrelay.dispatcher.Fixtures.event;
import static io.hookrelay.dispatcher.Fixtures.putSubscription;
import static io.hookrelay.dispatcher.Fixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dispatcher against a real broker and a real local subscriber, one instance for the whole class. */
class DispatcherServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static Admin admin;
    private static WebhookReceiver receiver;
    private static DispatcherService dispatcher;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startEphemeral();
        var config = Fixtures.config(kafka.bootstrapServers());
        TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(io.hookrelay.config.PipelineConfig.RETRY_SCHEDULE));
        client = new KafkaTestClient(kafka.bootstrapServers());
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        admin = Admin.create(p);
        receiver = WebhookReceiver.start();
        dispatcher = DispatcherService.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        dispatcher.close();
        receiver.close();
        admin.close();
        client.close();
        kafka.close();
    }

    /** Writes {@code s} and waits until the dispatcher's view has it, so the next event is matched against it. */
    private static Subscription subscribe(Subscription s) {
        putSubscription(client, s.id(), s);
        await().atMost(WAIT).until(() -> dispatcher.catalog().get(s.id()).equals(Optional.of(s)));
        return s;
    }

    private static List<ConsumerRecord<String, byte[]>> recordsWithKey(String topic, String key, int atLeast) {
        return client.readUntil(topic, l -> l.stream().filter(r -> key.equals(r.key())).count() >= atLeast, WAIT)
                .stream().filter(r -> key.equals(r.key())).toList();
    }

    private static AttemptRecord attemptRecord(String webhookId) throws Exception {
        List<ConsumerRecord<String, byte[]>> found = recordsWithKey(Topics.ATTEMPTS, webhookId, 1);
        assertThat(found).as("attempt records of %s", webhookId).hasSize(1);
        return AttemptRecord.fromJson(found.get(0).value());
    }

    private static Set<String> eventIds(List<Received> received) {
        return received.stream().map(r -> {
            try {
                return Json.tree(r.body()).get("data").get("event_id").asText();
            } catch (Exception e) {
                throw new AssertionError("Not JSON: " + r.bodyText(), e);
            }
        }).collect(Collectors.toSet());
    }

    @Test
    void deliversTheSignedContractBodyAndRecordsTheAttempt() throws Exception {
        Subscription s = subscribe(subscription("op-signed", receiver.url("/signed"), List.of("conversion.ftd")));
        ObjectNode event = event("op-signed", "e-signed").json();

        accept(client, event);

        await().atMost(WAIT).until(() -> receiver.received("/signed").size() == 1);
        Received got = receiver.received("/signed").get(0);
        String webhookId = WebhookIds.of("op-signed", "e-signed", s.id());
        assertThat(got.header("webhook-id")).isEqualTo(webhookId);
        assertThat(got.header("content-type")).isEqualTo("application/json");
        long timestamp = Long.parseLong(got.header("webhook-timestamp"));
        assertThat(WebhookSigner.verify(s.secret(), webhookId, timestamp, got.body(), got.header("webhook-signature")))
                .as("signature verifies with the subscription's secret").isTrue();
        JsonNode body = Json.tree(got.body());
        assertThat(body.get("type").asText()).isEqualTo("conversion.ftd");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(body.get("data")).isEqualTo(event);
        AttemptRecord attempt = attemptRecord(webhookId);
        assertThat(attempt.outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(attempt.status()).isEqualTo(204);
        assertThat(attempt.attempt()).isEqualTo(1);
        assertThat(attempt.subscriptionId()).isEqualTo(s.id());
        assertThat(attempt.eventId()).isEqualTo("e-signed");
        assertThat(attempt.endpoint()).isEqualTo("http://127.0.0.1:" + receiver.port());
    }

    @Test
    void eventTypePatternsFiltersAndOperatorDecideWhoReceives() {
        String op = "op-route";
        subscribe(subscription(op, receiver.url("/route/all"), List.of("*")));
        subscribe(subscription(op, receiver.url("/route/conversions"), List.of("conversion.*")));
        subscribe(subscription(op, receiver.url("/route/ftd"), List.of("conversion.ftd")));
        subscribe(subscription(op, receiver.url("/route/kyc"), List.of("kyc.*")));
        subscribe(subscription(op, receiver.url("/route/brand-b2"), List.of("*"),
                new Subscription.Filter(List.of("b2"), List.of())));
        subscribe(subscription(op, receiver.url("/route/affiliate-a1"), List.of("*"),
                new Subscription.Filter(List.of(), List.of("a1"))));
        subscribe(subscription("op-route-other", receiver.url("/route/other-operator"), List.of("*")));

        List<RecordMetadata> sent = List.of(
                accept(client, event(op, "r-ftd").brand("b1").affiliate("a1").json()),
                accept(client, event(op, "r-kyc").type("kyc.status_changed").brand("b2").affiliate("a9").json()),
                accept(client, event(op, "r-deposit").type("conversion.deposit").brand("b1").affiliate("a2").json()));
        sent.forEach(md -> awaitDispatched(admin, md));

        Map<String, Set<String>> expected = Map.of(
                "/route/all", Set.of("r-ftd", "r-kyc", "r-deposit"),
                "/route/conversions", Set.of("r-ftd", "r-deposit"),
                "/route/ftd", Set.of("r-ftd"),
                "/route/kyc", Set.of("r-kyc"),
                "/route/brand-b2", Set.of("r-kyc"),
                "/route/affiliate-a1", Set.of("r-ftd"),
                "/route/other-operator", Set.of());
        expected.forEach((path, ids) -> assertThat(eventIds(receiver.received(path))).as(path).isEqualTo(ids));
    }

    @Test
    void aWhereFilterDecidesWhichEventsReachASubscriptionAndFieldsShapeWhatItGets() throws Exception {
        String op = "op-where";
        ObjectNode json = Json.MAPPER.valueToTree(subscription(op, receiver.url("/where/big"), List.of("conversion.*")));
        json.set("where", Json.MAPPER.readTree("{\"amount\": {\"gte\": \"100\"}}"));
        json.putArray("fields").add("amount").add("currency");
        subscribe(Json.MAPPER.treeToValue(json, Subscription.class));
        subscribe(subscription(op, receiver.url("/where/all"), List.of("conversion.*")));

        ObjectNode big = event(op, "w-150").json().put("amount", "150");
        List<RecordMetadata> sent = List.of(accept(client, big), accept(client, event(op, "w-50").json().put("amount", "50")));
        sent.forEach(md -> awaitDispatched(admin, md));

        await().atMost(WAIT).until(() -> receiver.received("/where/all").size() == 2);
        assertThat(eventIds(receiver.received("/where/all"))).containsExactlyInAnyOrder("w-150", "w-50");
        assertThat(eventIds(receiver.received("/where/big"))).containsExactly("w-150");
        JsonNode data = Json.tree(receiver.received("/where/big").get(0).body()).get("data");
        ObjectNode expected = Json.object().put("event_id", "w-150").put("event_type", "conversion.ftd")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", op).put("amount", "150")
                .put("currency", "EUR");
        assertThat(data).isEqualTo(expected);
    }

    @Test
    void failedFirstAttemptGoesToTheFirstRetryTopicWithTheContractHeaders() throws Exception {
        receiver.reply("/fails", Reply.status(500).withBody("database is down"));
        Subscription s = subscribe(subscription("op-fails", receiver.url("/fails"), List.of("*")));
        long before = Instant.now().toEpochMilli();

        accept(client, event("op-fails", "e-fails").json());

        ConsumerRecord<String, byte[]> retry = recordsWithKey("webhooks.retry.5s", s.id(), 1).get(0);
        String webhookId = WebhookIds.of("op-fails", "e-fails", s.id());
        long dueAt = Long.parseLong(KafkaTestClient.header(retry, "webhooks.due-at"));
        long firstAttemptAt = Long.parseLong(KafkaTestClient.header(retry, "webhooks.first-attempt-at"));
        assertThat(KafkaTestClient.header(retry, "webhook-id")).isEqualTo(webhookId);
        assertThat(KafkaTestClient.header(retry, "webhooks.subscription-id")).isEqualTo(s.id());
        assertThat(KafkaTestClient.header(retry, "webhooks.event-id")).isEqualTo("e-fails");
        assertThat(KafkaTestClient.header(retry, "webhooks.event-type")).isEqualTo("conversion.ftd");
        assertThat(KafkaTestClient.header(retry, "webhooks.attempt")).isEqualTo("2");
        assertThat(KafkaTestClient.header(retry, "webhooks.last-status")).isEqualTo("500");
        assertThat(KafkaTestClient.header(retry, "webhooks.last-error")).isEqualTo("HTTP 500");
        assertThat(firstAttemptAt).isGreaterThanOrEqualTo(before);
        assertThat(dueAt).isGreaterThanOrEqualTo(firstAttemptAt + 5_000).isGreaterThanOrEqualTo(before + 5_000);
        assertThat(KafkaTestClient.header(retry, "webhooks.dead-reason")).isNull();
        Delivery next = Delivery.read(retry);
        assertThat(next.attempt()).isEqualTo(2);
        assertThat(next.dueAt()).isEqualTo(dueAt);
        assertThat(next.event().get("event_id").asText()).isEqualTo("e-fails");
        AttemptRecord attempt = attemptRecord(webhookId);
        assertThat(attempt.outcome()).isEqualTo(Outcome.RETRYING);
        assertThat(attempt.status()).isEqualTo(500);
        assertThat(attempt.nextDueAt()).isEqualTo(dueAt);
        assertThat(attempt.responseExcerpt()).isEqualTo("database is down");
    }

    @Test
    void goneDeadLettersAndDisablesTheSubscription() throws Exception {
        receiver.reply("/gone", Reply.status(410));
        Subscription s = subscribe(subscription("op-gone", receiver.url("/gone"), List.of("*")));

        accept(client, event("op-gone", "e-gone-1").json());

        ConsumerRecord<String, byte[]> dead = recordsWithKey(Topics.DLQ, s.id(), 1).get(0);
        assertThat(KafkaTestClient.header(dead, "webhooks.dead-reason")).isEqualTo("gone");
        assertThat(KafkaTestClient.header(dead, "webhooks.last-status")).isEqualTo("410");
        assertThat(KafkaTestClient.header(dead, "webhook-id")).isEqualTo(WebhookIds.of("op-gone", "e-gone-1", s.id()));
        List<ConsumerRecord<String, byte[]>> versions = recordsWithKey(Topics.SUBSCRIPTIONS, s.id(), 2);
        Subscription latest = Json.MAPPER.readValue(versions.get(versions.size() - 1).value(), Subscription.class);
        assertThat(latest.enabled()).isFalse();
        assertThat(latest.disabledReason()).isEqualTo("endpoint answered 410 Gone");
        assertThat(attemptRecord(WebhookIds.of("op-gone", "e-gone-1", s.id())).deadReason()).isEqualTo("gone");

        await().atMost(WAIT).until(() -> !dispatcher.catalog().get(s.id()).orElseThrow().enabled());
        awaitDispatched(admin, accept(client, event("op-gone", "e-gone-2").json()));
        assertThat(eventIds(receiver.received("/gone"))).containsExactly("e-gone-1");
    }

    @Test
    void deliveriesFollowASubscriptionBeingCreatedDisabledAndDeleted() {
        String op = "op-lifecycle";
        // Always on: it receives every event, which shows each one was dispatched.
        subscribe(subscription(op, receiver.url("/lifecycle/witness"), List.of("*")));
        Subscription s = subscribe(subscription(op, receiver.url("/lifecycle/subject"), List.of("*")));

        awaitDispatched(admin, accept(client, event(op, "while-enabled").json()));
        Subscription disabled = subscribe(s.withEnabled(false, "paused by the operator", Instant.now()));
        awaitDispatched(admin, accept(client, event(op, "while-disabled").json()));
        subscribe(disabled.withEnabled(true, null, Instant.now()));
        awaitDispatched(admin, accept(client, event(op, "re-enabled").json()));
        putSubscription(client, s.id(), null);
        await().atMost(WAIT).until(() -> dispatcher.catalog().get(s.id()).isEmpty());
        awaitDispatched(admin, accept(client, event(op, "after-delete").json()));

        assertThat(eventIds(receiver.received("/lifecycle/witness")))
                .containsExactlyInAnyOrder("while-enabled", "while-disabled", "re-enabled", "after-delete");
        assertThat(eventIds(receiver.received("/lifecycle/subject"))).containsExactlyInAnyOrder("while-enabled", "re-enabled");
    }

    @Test
    void skipsARecordThatIsNotAnEventAndKeepsDelivering() {
        subscribe(subscription("op-poison", receiver.url("/after-poison"), List.of("*")));

        RecordMetadata poison = Fixtures.acceptRaw(client, "{not json".getBytes(StandardCharsets.UTF_8));
        RecordMetadata good = accept(client, event("op-poison", "e-after-poison").json());
        awaitDispatched(admin, poison);
        awaitDispatched(admin, good);

        assertThat(eventIds(receiver.received("/after-poison"))).containsExactly("e-after-poison");
        assertThat(scrape("/metrics")).contains("hookrelay_dispatcher_unreadable_events_total");
        assertThat(metricValue("hookrelay_dispatcher_unreadable_events_total")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void servesHealthAndDeliveryMetrics() throws Exception {
        subscribe(subscription("op-metrics", receiver.url("/metrics-check"), List.of("*")));
        awaitDispatched(admin, accept(client, event("op-metrics", "e-metrics").type("conversion.qualified").json()));

        await().atMost(WAIT).until(() -> status("/health") == 200);
        JsonNode health = Json.tree(scrape("/health").getBytes(StandardCharsets.UTF_8));
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.get("checks").get("kafka-consumer").asText()).isEqualTo("UP");
        assertThat(health.get("checks").get("subscription-catalog").asText()).isEqualTo("UP");
        // Counted as the outcome becomes durable, in the same instant the event becomes committable.
        await().atMost(WAIT).until(() -> scrape("/metrics").contains(
                "hookrelay_deliveries_total{event_type=\"conversion.qualified\",outcome=\"delivered\"}"));
        assertThat(metricValue("hookrelay_deliveries_total{event_type=\"conversion.qualified\",outcome=\"delivered\"}"))
                .isEqualTo(1.0);
        assertThat(scrape("/metrics")).contains("hookrelay_deliveries_in_flight", "hookrelay_attempt_latency_seconds_count");
    }

    private static String scrape(String path) {
        return get(path).body();
    }

    private static int status(String path) {
        return get(path).statusCode();
    }

    private static double metricValue(String series) {
        return scrape("/metrics").lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("No series " + series + " in /metrics"));
    }

    private static HttpResponse<String> get(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + dispatcher.httpPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }
}
