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
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.PrometheusText;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failures and overflow through the whole pipeline: first attempt, delay tiers, dead letter, redrive
 * after the fix; and per-subscription limits, set on the ingest API and enforced by the dispatcher
 * and the retry-service of one process together, their parked deliveries brought back until every
 * one is delivered. What is asserted is what the subscriber saw (how many requests at once, how many
 * in any second, none lost), never a speed.
 */
class RetryEndToEndTest {

    static final String KEY = "acme-key-0123456789";
    private static final Duration LIMITS_WAIT = Duration.ofSeconds(60);
    static AllInOne pipeline;
    static WebhookReceiver receiver;
    static PipelineClient ingest;
    static PipelineClient retry;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = Map.of(
                "WEBHOOKS_DATA_DIR", Files.createTempDirectory("hookrelay-retry-e2e-").toString(),
                "WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()),
                "WEBHOOKS_API_KEYS", "acme=" + KEY,
                "WEBHOOKS_RETRY_SCHEDULE", "1s,2s",
                // Held requests must not time out while a test looks at what was parked meanwhile.
                "WEBHOOKS_HTTP_TIMEOUT", "30s",
                "WEBHOOKS_PARTITIONS", "2",
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        ingest = new PipelineClient(pipeline.ingestUrl());
        retry = new PipelineClient("http://localhost:" + pipeline.retryPort());
    }

    @AfterAll
    static void stop() {
        receiver.close();
        pipeline.close();
    }

    @Test
    void exhaustedDeliveryIsDeadLetteredThenRedrivenToTheFixedEndpointUnderTheSameWebhookId() throws Exception {
        receiver.reply("/broken", Reply.status(500));
        String subscription = ingest.subscribe(KEY, receiver.url("/broken"), "conversion.ftd").get("id").asText();
        ingest.send(KEY, PipelineClient.ftd("acme", "dead-1"));

        // Three attempts (first + 1s + 2s), then the dead letter the operator can list.
        await().atMost(Duration.ofSeconds(60)).until(() -> letters(subscription).size() == 1);
        assertThat(receiver.received("/broken")).hasSize(3);
        JsonNode letter = letters(subscription).get(0);
        assertThat(letter.get("reason").asText()).isEqualTo("exhausted");
        assertThat(letter.get("last_status").asInt()).isEqualTo(500);
        String webhookId = receiver.received("/broken").get(0).header("webhook-id");
        assertThat(letter.get("webhook_id").asText()).isEqualTo(webhookId);
        assertThat(receiver.received("/broken")).extracting(r -> r.header("webhook-id")).containsOnly(webhookId);
        // Ingest's port answers the same list, forwarded to this process's retry-service (contract §5).
        PipelineClient.Answer viaIngest = ingest.call("GET", "/v1/dead-letters?subscription_id=" + subscription, KEY, null);
        assertThat(viaIngest.status()).isEqualTo(200);
        assertThat(viaIngest.body()).isEqualTo(retry.call("GET", "/v1/dead-letters?subscription_id=" + subscription, KEY,
                null).body());

        receiver.reply("/broken", Reply.status(204));
        PipelineClient.Answer redrive = retry.call("POST", "/v1/dead-letters/redrive?subscription_id=" + subscription, KEY, null);
        assertThat(redrive.status()).isEqualTo(200);
        assertThat(redrive.body().get("redriven").asInt()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/broken").size() == 4);
        Received delivered = receiver.received("/broken").get(3);
        assertThat(delivered.header("webhook-id")).isEqualTo(webhookId);
        try (KafkaTestClient kafka = new KafkaTestClient(pipeline.config().bootstrapServers())) {
            var attempts = kafka.readUntil(Topics.ATTEMPTS, l -> l.stream().anyMatch(r -> outcome(r.value()).equals("delivered")),
                    Duration.ofSeconds(30));
            assertThat(attempts).filteredOn(r -> webhookId.equals(r.key())).extracting(r -> outcome(r.value()))
                    .containsExactly("retrying", "retrying", "dead", "delivered");
        }
    }

    @Test
    void aSaturatedSubscriptionGetsAtMostItsMaxInFlightAndEverythingOnceItRecovers() throws Exception {
        int events = 10;
        receiver.hold("/saturated");
        String saturated = subscribe("/saturated", "kyc.*", Map.of("max_in_flight", 2));
        subscribe("/healthy", "kyc.*", Map.of());

        send("sat-", events, "kyc.status_changed");

        // The healthy subscription gets everything while the saturated one holds two requests; its
        // other deliveries wait in Kafka, brought back and parked again by the retry-service.
        await().atMost(LIMITS_WAIT).until(() -> webhookIds(receiver.received("/healthy")).size() == events);
        await().atMost(LIMITS_WAIT).until(() -> receiver.received("/saturated").size() == 2);
        await().atMost(LIMITS_WAIT).until(() -> metric(pipeline.retryPort(), "hookrelay_retry_parked_total",
                "reason", "max_in_flight") >= events - 2);
        assertThat(receiver.received("/saturated")).hasSize(2);
        List<Delivery> parked = parked(saturated);
        assertThat(parked).extracting(Delivery::attempt).containsOnly(1);
        assertThat(parked.stream().map(Delivery::webhookId).collect(Collectors.toSet())).hasSize(events - 2);

        receiver.release("/saturated");
        await().atMost(LIMITS_WAIT).until(() -> webhookIds(receiver.received("/saturated")).size() == events);
        assertThat(receiver.received("/saturated")).as("each delivered once").hasSize(events);
        assertThat(receiver.mostAtOnce("/saturated")).isEqualTo(2);
        List<AttemptRecord> attempts = attempts(saturated, events);
        assertThat(attempts).hasSize(events).allSatisfy(a -> {
            assertThat(a.attempt()).as("parking is not an attempt").isEqualTo(1);
            assertThat(a.outcome()).isEqualTo(Outcome.DELIVERED);
        });
    }

    @Test
    void aRateLimitedSubscriptionGetsEverythingAtNoMoreThanItsRatePlusOneBurst() throws Exception {
        int events = 20;
        int rate = 5;
        String rated = subscribe("/rated", "commission.*", Map.of("rate_limit_per_second", rate));

        send("rate-", events, "commission.pending");

        await().atMost(LIMITS_WAIT).until(() -> webhookIds(receiver.received("/rated")).size() == events);
        List<Instant> arrivals = receiver.received("/rated").stream().map(Received::at).sorted().toList();
        assertThat(arrivals).hasSize(events);
        // A token bucket of one second's worth admits at most rate + burst (= 2 × rate) in any
        // second; one more is allowed for the jitter between admission and arrival.
        for (int i = 0; i < arrivals.size(); i++) {
            Instant from = arrivals.get(i);
            long inOneSecond = arrivals.stream().filter(t -> !t.isBefore(from) && t.isBefore(from.plusSeconds(1))).count();
            assertThat(inOneSecond).as("requests in the second from arrival %d", i).isLessThanOrEqualTo(2L * rate + 1);
        }
        assertThat(metric(pipeline.dispatcherPort(), "hookrelay_deliveries_parked_total", "reason", "rate_limit"))
                .isPositive();
        assertThat(attempts(rated, events)).extracting(AttemptRecord::outcome).containsOnly(Outcome.DELIVERED);
    }

    /** Creates a subscription of operator acme through the ingest API with {@code limits}; returns its id. */
    private static String subscribe(String path, String eventType, Map<String, Integer> limits) throws Exception {
        ObjectNode body = Json.object().put("url", receiver.url(path));
        body.putArray("event_types").add(eventType);
        limits.forEach(body::put);
        PipelineClient.Answer a = ingest.call("POST", "/v1/subscriptions", KEY, body);
        assertThat(a.status()).as("create: %s", a.body()).isEqualTo(201);
        limits.forEach((field, value) -> assertThat(a.body().get(field).asInt()).isEqualTo(value));
        return a.body().get("id").asText();
    }

    /** Sends the events in one request, so the dispatcher takes them up together. */
    private static void send(String prefix, int count, String eventType) throws Exception {
        ArrayNode batch = Json.MAPPER.createArrayNode();
        for (int i = 0; i < count; i++) {
            ObjectNode e = PipelineClient.ftd("acme", prefix + i).put("event_type", eventType);
            if (eventType.startsWith("kyc.")) {
                e.remove(List.of("transaction_id", "amount", "currency"));
                e.put("status", "approved").put("previous_status", "pending");
            } else {
                e.remove("transaction_id");
                e.put("commission_id", "c-" + prefix + i).put("model", "CPA");
            }
            batch.add(e);
        }
        PipelineClient.Answer a = ingest.call("POST", "/v1/events", KEY, batch);
        assertThat(a.status()).as("send: %s", a.body()).isEqualTo(202);
    }

    private static Set<String> webhookIds(List<Received> received) {
        return received.stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet());
    }

    private static List<Delivery> parked(String subscriptionId) {
        String shortestTier = pipeline.config().get(PipelineConfig.RETRY_SCHEDULE).topics().get(0);
        try (KafkaTestClient kafka = new KafkaTestClient(pipeline.config().bootstrapServers())) {
            return kafka.readUntil(shortestTier, l -> false, Duration.ofSeconds(1)).stream()
                    .filter(r -> subscriptionId.equals(r.key()) && "max_in_flight".equals(
                            KafkaTestClient.header(r, "webhooks.park-reason")))
                    .map(Delivery::read).toList();
        }
    }

    private static List<AttemptRecord> attempts(String subscriptionId, int count) {
        try (KafkaTestClient kafka = new KafkaTestClient(pipeline.config().bootstrapServers())) {
            return kafka.readUntil(Topics.ATTEMPTS, l -> of(l, subscriptionId).size() >= count, LIMITS_WAIT).stream()
                    .map(r -> parse(r.value())).filter(a -> subscriptionId.equals(a.subscriptionId())).toList();
        }
    }

    private static List<AttemptRecord> of(List<ConsumerRecord<String, byte[]>> records, String subscriptionId) {
        return records.stream().map(r -> parse(r.value())).filter(a -> subscriptionId.equals(a.subscriptionId())).toList();
    }

    private static AttemptRecord parse(byte[] value) {
        try {
            return AttemptRecord.fromJson(value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double metric(int port, String name, String... labels) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return PrometheusText.parse(text).sum(name, labels);
    }

    private static List<JsonNode> letters(String subscription) throws Exception {
        PipelineClient.Answer a = retry.call("GET", "/v1/dead-letters?subscription_id=" + subscription, KEY, null);
        assertThat(a.status()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        a.body().get("data").forEach(out::add);
        return out;
    }

    private static String outcome(byte[] attempt) {
        try {
            return Json.MAPPER.readTree(attempt).get("outcome").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
