package io.hookrelay.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.ingest.api.ApiClient;
import io.hookrelay.ingest.api.TestKafka;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class IngestServiceTest {

    private static final String KEY = "demo-key-0123456789abcdef";

    private static PipelineConfig config(String bootstrap, String... more) throws IOException {
        Path data = Files.createTempDirectory("hookrelay-ingest-service-");
        Map<String, String> env = KafkaTestClient.env(bootstrap, "INGEST_HTTP_PORT", "0",
                "WEBHOOKS_DATA_DIR", data.toString());
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return PipelineConfig.from(env);
    }

    @Test
    void carriesAnHttpEventThroughTheStreamsAppToAcceptedAndReportsHealthAndMetrics() throws Exception {
        String bootstrap = TestKafka.bootstrap();
        IngestService service = IngestService.start(config(bootstrap, "WEBHOOKS_API_KEYS", "demo=" + KEY),
                Clock.systemUTC(), 5_000);
        ApiClient client = new ApiClient(service.httpPort());
        try (KafkaTestClient kafka = new KafkaTestClient(bootstrap)) {
            await().atMost(60, TimeUnit.SECONDS).until(() -> client.get("/health", null).status() == 200);
            ApiClient.Response health = client.get("/health", null);
            assertThat(health.json().get("service").asText()).isEqualTo("ingest-service");
            assertThat(health.json().get("checks")).hasSize(3);
            assertThat(health.json().at("/checks/kafka-producer").asText()).isEqualTo("UP");
            assertThat(health.json().at("/checks/subscriptions").asText()).isEqualTo("UP");
            assertThat(health.json().at("/checks/ingest-streams").asText()).isEqualTo("UP");

            String eventId = "evt-" + UUID.randomUUID();
            ObjectNode event = Json.object();
            event.put("event_id", eventId);
            event.put("event_type", "kyc.status_changed");
            event.put("occurred_at", "2026-11-27T10:15:30Z");
            event.put("operator_id", "demo");
            event.put("player_ref", "player-9");
            event.put("status", "approved");
            event.put("previous_status", "pending");
            ApiClient.Response accepted = client.postJson("/v1/events", KEY, event);
            assertThat(accepted.status()).isEqualTo(202);

            // The Streams app validated it on events.kyc and passed it on, keyed by the player.
            List<ConsumerRecord<String, byte[]>> out = kafka.readUntil(Topics.ACCEPTED,
                    l -> l.stream().anyMatch(r -> text(r).contains(eventId)), Duration.ofSeconds(60));
            ConsumerRecord<String, byte[]> rec = out.stream().filter(r -> text(r).contains(eventId)).findFirst()
                    .orElseThrow(() -> new AssertionError(eventId + " did not reach " + Topics.ACCEPTED));
            assertThat(rec.key()).isEqualTo("player-9");
            assertThat(Json.tree(rec.value()).get("event_id").asText()).isEqualTo(eventId);

            ApiClient.Response subscription = client.postJson("/v1/subscriptions", KEY,
                    Map.of("url", "https://93.184.215.14/hook", "event_types", List.of("kyc.*")));
            assertThat(subscription.status()).isEqualTo(201);

            String scrape = client.get("/metrics", null).text();
            assertThat(scrape).contains("hookrelay_ingest_events_total{outcome=\"accepted\"} 1.0",
                    "hookrelay_ingest_events_total{outcome=\"rejected\"} 0.0", "jvm_memory_used_bytes");
        } finally {
            service.close();
        }
        assertThatThrownBy(() -> new Socket("localhost", service.httpPort()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void answers401ToEveryRequestWhenNoApiKeysAreConfigured() throws Exception {
        try (IngestService service = IngestService.start(config(TestKafka.bootstrap()), Clock.systemUTC(), 5_000)) {
            ApiClient client = new ApiClient(service.httpPort());

            ApiClient.Response events = client.postJson("/v1/events", KEY, "{}");
            ApiClient.Response list = client.get("/v1/subscriptions", KEY);

            assertThat(events.status()).isEqualTo(401);
            assertThat(events.error()).isEqualTo("unauthorized");
            assertThat(list.status()).isEqualTo(401);
        }
    }

    @Test
    void mainPrintsTheBadSettingAndExitsWith2() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), IngestService.class.getName());
        pb.environment().keySet().removeIf(k -> k.startsWith("WEBHOOKS_") || k.startsWith("KAFKA_") || k.endsWith("_HTTP_PORT"));
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9");
        pb.environment().put("INGEST_HTTP_PORT", "eighty");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(stderr.strip()).isEqualTo("Invalid value 'eighty' for configuration INGEST_HTTP_PORT: not a whole number"
                + " (expected a port from 0 to 65535 (0: any free port))");
    }

    private static String text(ConsumerRecord<String, byte[]> r) {
        return r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
    }
}
