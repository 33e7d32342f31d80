package io.hookrelay.ingest;

import io.hookrelay.testing.LogCapture;
import io.hookrelay.testing.PrometheusText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.ingest.api.ApiClient;
import io.hookrelay.ingest.api.TestKafka;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What ops see of ingest-service: /metrics, /health and the log, over real requests and real Kafka. */
class IngestObservabilityTest {

    private static final String KEY = "obs-key-0123456789abcdef-" + UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static IngestService service;
    private static ApiClient client;

    @BeforeAll
    static void start() throws IOException {
        service = IngestService.start(config(TestKafka.bootstrap(), "WEBHOOKS_API_KEYS", "demo=" + KEY,
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true"), Clock.systemUTC(), 5_000);
        client = new ApiClient(service.httpPort());
        await().atMost(WAIT).until(() -> client.get("/health", null).status() == 200);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static PipelineConfig config(String bootstrap, String... more) throws IOException {
        Path data = Files.createTempDirectory("hookrelay-ingest-observability-");
        Map<String, String> env = KafkaTestClient.env(bootstrap, "INGEST_HTTP_PORT", "0",
                "WEBHOOKS_DATA_DIR", data.toString());
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return PipelineConfig.from(env);
    }

    private static PrometheusText scrape() {
        ApiClient.Response r = client.get("/metrics", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        return PrometheusText.parse(r.text());
    }

    private static double rejected(PrometheusText metrics, String source, String reason) {
        return metrics.sum("hookrelay_ingest_rejected_total", "source", source, "reason", reason);
    }

    private static ObjectNode ftd(String eventId) {
        ObjectNode event = Json.object();
        event.put("event_id", eventId);
        event.put("event_type", "conversion.ftd");
        event.put("occurred_at", "2026-11-27T10:15:30Z");
        event.put("operator_id", "demo");
        event.put("affiliate_id", "aff-7");
        event.put("player_ref", "p-" + eventId);
        event.put("transaction_id", "tx-" + eventId);
        event.put("amount", "125.50");
        event.put("currency", "EUR");
        return event;
    }

    @Test
    void countsRejectedInputBySourceAndReasonInPrometheusText() {
        PrometheusText before = scrape();
        assertThat(before.has("hookrelay_ingest_rejected_total", "source", "http", "reason", "invalid_event"))
                .as("every HTTP reason is there from the start, at 0 until it happens").isTrue();
        assertThat(before.has("hookrelay_ingest_rejected_total", "source", "stream", "reason", "not_avro")).isTrue();

        ObjectNode bad = ftd("obs-bad-" + UUID.randomUUID());
        bad.put("amount", "1e3");
        assertThat(client.postJson("/v1/events", KEY, bad).status()).isEqualTo(400);
        assertThat(client.postJson("/v1/events", KEY, Json.MAPPER.createArrayNode().add(bad).add(bad)).status())
                .isEqualTo(400);
        assertThat(client.postJson("/v1/events", "not-a-key", ftd("obs-unauthorized")).status()).isEqualTo(401);
        assertThat(client.postJson("/v1/events", KEY, "{\"event_id\": ").status()).isEqualTo(400);
        assertThat(client.postJson("/v1/events", KEY, ftd("obs-ok-" + UUID.randomUUID())).status()).isEqualTo(202);
        try (KafkaTestClient kafka = new KafkaTestClient(TestKafka.bootstrap())) {
            // On a topic the other tests of this broker never read as events.
            kafka.send(Topics.EVENTS_CHARGEBACK, "obs-poison", "plain text".getBytes(StandardCharsets.UTF_8));
            kafka.send(Topics.EVENTS_CHARGEBACK, "obs-poison", "{\"not\": json".getBytes(StandardCharsets.UTF_8),
                    WireHeaders.CONTENT_TYPE, WireHeaders.APPLICATION_JSON);
        }

        await().atMost(WAIT).until(() -> rejected(scrape(), "stream", "invalid_json")
                - rejected(before, "stream", "invalid_json") >= 1);
        await().atMost(WAIT).until(() -> rejected(scrape(), "stream", "not_avro") - rejected(before, "stream", "not_avro") >= 1);
        PrometheusText after = scrape();
        assertThat(rejected(after, "http", "invalid_event") - rejected(before, "http", "invalid_event"))
                .as("one per refused request, however many events it held").isEqualTo(2.0);
        assertThat(rejected(after, "http", "unauthorized") - rejected(before, "http", "unauthorized")).isEqualTo(1.0);
        assertThat(rejected(after, "http", "invalid_json") - rejected(before, "http", "invalid_json")).isEqualTo(1.0);
        assertThat(rejected(after, "stream", "invalid_json") - rejected(before, "stream", "invalid_json")).isEqualTo(1.0);
        assertThat(rejected(after, "stream", "not_avro") - rejected(before, "stream", "not_avro")).isEqualTo(1.0);
        assertThat(rejected(after, "stream", "invalid_field") - rejected(before, "stream", "invalid_field"))
                .as("the accepted event was not counted").isZero();
        assertThat(after.sum("hookrelay_ingest_events_total", "outcome", "rejected")
                - before.sum("hookrelay_ingest_events_total", "outcome", "rejected")).isEqualTo(3.0);
        assertThat(after.has("kafka_producer_record_send_total")).as("the API's producer is bound").isTrue();
        assertThat(after.has("jvm_memory_used_bytes")).isTrue();
    }

    @Test
    void logsNotableEventsAsOneStructuredLineAndNeverASecretKeySignatureOrUrlQuery() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        String wrongKey = "wrong-key-" + UUID.randomUUID();
        String acceptedId = "obs-accepted-" + UUID.randomUUID();
        List<String> secrets = new ArrayList<>();
        try (LogCapture log = LogCapture.install(); WebhookReceiver receiver = WebhookReceiver.start();
             KafkaTestClient kafka = new KafkaTestClient(TestKafka.bootstrap())) {
            receiver.reply("/failing", Reply.status(500).withBody("no"));
            JsonNode ok = client.postJson("/v1/subscriptions", KEY, Map.of("url", receiver.url("/ok?token=" + token),
                    "event_types", List.of("*"))).json();
            JsonNode failing = client.postJson("/v1/subscriptions", KEY, Map.of("url",
                    receiver.url("/failing?token=" + token), "event_types", List.of("*"))).json();
            secrets.add(ok.get("secret").asText());
            secrets.add(failing.get("secret").asText());
            assertThat(client.get("/v1/subscriptions/" + ok.get("id").asText() + "/secret", KEY).status()).isEqualTo(200);
            assertThat(client.patchJson("/v1/subscriptions/" + failing.get("id").asText(), KEY,
                    Map.of("enabled", false)).status()).isEqualTo(200);
            String okFire = client.send("POST", "/v1/subscriptions/" + ok.get("id").asText() + "/test", KEY, null,
                    new byte[0]).text();
            String failedFire = client.send("POST", "/v1/subscriptions/" + failing.get("id").asText() + "/test", KEY,
                    null, new byte[0]).text();
            assertThat(okFire).contains("\"delivered\":true");
            assertThat(failedFire).contains("\"delivered\":false");
            assertThat(client.postJson("/v1/events", KEY, ftd(acceptedId)).status()).isEqualTo(202);
            ObjectNode bad = ftd("obs-log-bad");
            bad.put("currency", "euro");
            assertThat(client.postJson("/v1/events", KEY, bad).status()).isEqualTo(400);
            assertThat(client.postJson("/v1/events", wrongKey, ftd("obs-log-wrong-key")).status()).isEqualTo(401);
            kafka.send(Topics.EVENTS_COMMISSION, "obs-log-poison", "plain text".getBytes(StandardCharsets.UTF_8));
            kafka.readUntil(Topics.ACCEPTED, l -> l.stream().anyMatch(r -> new String(r.value(),
                    StandardCharsets.UTF_8).contains(acceptedId)), WAIT);
            await().atMost(WAIT).until(() -> log.lines().stream()
                    .anyMatch(l -> l.text().contains("source=stream") && l.text().contains("topic=events.commission")));

            for (Received r : receiver.received()) {
                String signature = r.header("webhook-signature");
                secrets.add(signature);
                secrets.add(signature.substring(signature.indexOf(',') + 1));
            }
            assertThat(receiver.received()).hasSize(2);
            for (String s : List.copyOf(secrets)) {
                if (s.startsWith("whsec_")) {
                    secrets.add(s.substring("whsec_".length()));
                }
            }
            secrets.addAll(List.of(KEY, wrongKey, token));

            List<LogCapture.Line> lines = log.lines();
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=subscription.created operator_id=demo subscription_id=" + ok.get("id").asText()
                            + " endpoint=http://127.0.0.1:" + receiver.port() + " enabled=true"));
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=subscription.test_fired operator_id=demo subscription_id="
                            + failing.get("id").asText())
                    .contains(" status=500 ", " delivered=false", " error=\"HTTP 500\""));
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t).isEqualTo(
                    "event=input.rejected source=http reason=invalid_event status=400 operator_id=demo fields=currency"));
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t).isEqualTo(
                    "event=input.rejected source=http reason=unauthorized status=401"));
            assertThat(lines).filteredOn(l -> l.text().contains("topic=events.commission")).singleElement()
                    .satisfies(l -> assertThat(l.text()).startsWith(
                            "event=input.rejected source=stream reason=not_avro topic=events.commission partition="));
            for (LogCapture.Line line : lines) {
                for (String secret : secrets) {
                    assertThat(line.text()).as("a %s line of %s", line.level(), line.logger()).doesNotContain(secret);
                }
            }
            assertThat(log.shownByDefault()).as("no line per accepted event at the default level")
                    .noneMatch(l -> l.text().contains(acceptedId));
        }
    }

    @Test
    void healthIs503WhileKafkaIsUnreachableAnd200Otherwise() throws Exception {
        Path brokerData = Files.createTempDirectory("hookrelay-ingest-health-kafka-");
        int port = EmbeddedKafka.freePort();
        EmbeddedKafka broker = EmbeddedKafka.start(brokerData, port);
        try {
            TopicProvisioner.ensure(broker.bootstrapServers(), 1, RetrySchedule.parse("5s"));
            try (IngestService ingest = IngestService.start(config(broker.bootstrapServers(), "WEBHOOKS_PARTITIONS", "1"),
                    Clock.systemUTC(), 5_000)) {
                ApiClient api = new ApiClient(ingest.httpPort());
                await().atMost(WAIT).until(() -> api.get("/health", null).status() == 200);
                assertThat(api.get("/health", null).json().get("status").asText()).isEqualTo("UP");

                broker.close();
                await().atMost(WAIT).until(() -> api.get("/health", null).status() == 503);
                ApiClient.Response down = api.get("/health", null);
                assertThat(down.json().get("status").asText()).isEqualTo("DOWN");
                assertThat(down.json().at("/checks/kafka-producer").asText()).isEqualTo("DOWN");

                // Back, so that closing commits instead of waiting out its timeouts.
                broker = EmbeddedKafka.start(brokerData, port);
                await().atMost(WAIT).until(() -> api.get("/health", null).status() == 200);
            }
        } finally {
            broker.close();
        }
    }
}
