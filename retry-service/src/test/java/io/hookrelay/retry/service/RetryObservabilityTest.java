package io.hookrelay.retry.service;

import io.hookrelay.testing.LogCapture;
import io.hookrelay.testing.PrometheusText;
import static io.hookrelay.retry.service.Fixtures.tier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.Test;

/**
 * What ops see of the retry-service over one run of last attempts (schedule {@code 1s}: a delay-topic
 * record is the last chance) that succeed, fail, meet a 410 and a deleted subscription: /metrics
 * matching what the subscriber received, /health following Kafka, and a log with one structured line
 * per notable event and nothing secret in it.
 */
class RetryObservabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int DELIVERED = 8;
    private static final int EXHAUSTED = 2;
    private static final String KEY = "retry-obs-key-" + UUID.randomUUID();

    @Test
    void metricsMatchWhatTheSubscriberSawHealthFollowsKafkaAndTheLogHoldsNoSecret() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        Path brokerData = Files.createTempDirectory("hookrelay-retry-observability-kafka-");
        int port = EmbeddedKafka.freePort();
        EmbeddedKafka kafka = EmbeddedKafka.start(brokerData, port);
        List<String> secrets = new ArrayList<>(List.of(token, KEY));
        List<String> deliveredIds = new ArrayList<>();
        try (LogCapture log = LogCapture.install(); WebhookReceiver receiver = WebhookReceiver.start();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers(), "1s", "WEBHOOKS_API_KEYS",
                    Fixtures.OPERATOR + "=" + KEY);
            TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
            receiver.reply("/fail", Reply.status(500).withBody("down for maintenance"));
            receiver.reply("/gone", Reply.status(410));
            Subscription ok = Fixtures.subscription(receiver.url("/ok?token=" + token));
            Subscription failing = Fixtures.subscription(receiver.url("/fail?token=" + token));
            Subscription gone = Fixtures.subscription(receiver.url("/gone?token=" + token));
            Subscription deleted = Fixtures.subscription(receiver.url("/deleted?token=" + token));
            for (Subscription s : List.of(ok, failing, gone)) {
                Fixtures.putSubscription(client, s);
                secrets.add(s.secret());
                secrets.add(s.secret().substring("whsec_".length()));
            }
            long due = System.currentTimeMillis() + 1500;
            List<Delivery> exhausted = new ArrayList<>();
            for (int i = 0; i < EXHAUSTED; i++) {
                exhausted.add(Fixtures.waiting(failing, "fail-" + i, 2, due));
            }
            Delivery goneDelivery = Fixtures.waiting(gone, "gone-1", 2, due);
            Delivery deletedDelivery = Fixtures.waiting(deleted, "deleted-1", 2, due);
            RetryService service = RetryService.start(config, Clock.systemUTC());
            try {
                for (int i = 0; i < DELIVERED; i++) {
                    Fixtures.putOnTier(client, tier("1s"), Fixtures.waiting(ok, "ok-" + i, 2, due));
                }
                for (Delivery d : exhausted) {
                    Fixtures.putOnTier(client, tier("1s"), d);
                }
                Fixtures.putOnTier(client, tier("1s"), goneDelivery);
                Fixtures.putOnTier(client, tier("1s"), deletedDelivery);

                Fixtures.deadLetters(client, Set.of(failing.id(), gone.id(), deleted.id()), EXHAUSTED + 2, WAIT);
                await().atMost(WAIT).until(() -> receiver.received("/ok?token=" + token).size() == DELIVERED);
                await().atMost(WAIT).until(() -> scrape(service).sum("hookrelay_retry_in_flight") == 0
                        && scrape(service).sum("hookrelay_retry_attempts_total") == DELIVERED + EXHAUSTED + 1);

                PrometheusText metrics = scrape(service);
                assertThat(metrics.sum("hookrelay_retry_attempts_total", "outcome", "delivered"))
                        .as("delivered, as counted, is what the subscriber received")
                        .isEqualTo(receiver.received("/ok?token=" + token).size());
                assertThat(metrics.sum("hookrelay_retry_attempts_total", "outcome", "delivered",
                        "event_type", "conversion.ftd")).isEqualTo(DELIVERED);
                assertThat(metrics.sum("hookrelay_retry_attempts_total", "outcome", "dead")).isEqualTo(EXHAUSTED + 1);
                assertThat(metrics.sum("hookrelay_retry_dead_letters_total", "reason", "exhausted")).isEqualTo(EXHAUSTED);
                assertThat(metrics.sum("hookrelay_retry_dead_letters_total", "reason", "gone")).isEqualTo(1);
                assertThat(metrics.sum("hookrelay_retry_dead_letters_total", "reason", "endpoint-deleted")).isEqualTo(1);
                assertThat(metrics.sum("hookrelay_retry_lateness_seconds_count")).isEqualTo(DELIVERED + EXHAUSTED + 1);
                assertThat(metrics.sum("hookrelay_attempt_latency_seconds_bucket", "le", "+Inf"))
                        .isEqualTo(DELIVERED + EXHAUSTED + 1);
                assertThat(metrics.has("kafka_consumer_fetch_manager_records_lag_max")).isTrue();
                assertThat(metrics.has("kafka_producer_record_send_total")).isTrue();
                await().atMost(WAIT).untilAsserted(() -> {
                    PrometheusText now = scrape(service);
                    for (int partition = 0; partition < 3; partition++) {
                        assertThat(now.has("hookrelay_consumer_lag", "group", RetryService.GROUP_ID,
                                "topic", tier("1s"), "partition", Integer.toString(partition))).isTrue();
                    }
                    assertThat(now.sum("hookrelay_consumer_lag", "group", RetryService.GROUP_ID))
                            .as("everything attempted and committed").isZero();
                });

                HttpResponse<String> letters = get(service, "/v1/dead-letters?subscription_id=" + failing.id(), KEY);
                assertThat(letters.statusCode()).isEqualTo(200);
                JsonNode listed = Json.tree(letters.body().getBytes());
                assertThat(listed.get("data")).hasSize(EXHAUSTED);
                assertThat(get(service, "/v1/dead-letters", "not-" + KEY).statusCode()).isEqualTo(401);

                assertThat(get(service, "/health", null).statusCode()).isEqualTo(200);
                kafka.close();
                await().atMost(WAIT).until(() -> get(service, "/health", null).statusCode() == 503);
                assertThat(get(service, "/health", null).body()).contains("\"status\":\"DOWN\"");
                // Back, so that closing commits rather than waiting out its timeouts.
                kafka = EmbeddedKafka.start(brokerData, port);
                await().atMost(WAIT).until(() -> get(service, "/health", null).statusCode() == 200);
            } finally {
                service.close();
            }

            for (Received r : receiver.received()) {
                String signature = r.header("webhook-signature");
                secrets.add(signature);
                secrets.add(signature.substring(signature.indexOf(',') + 1));
                if (r.path().startsWith("/ok")) {
                    deliveredIds.add(r.header("webhook-id"));
                }
            }
            assertThat(deliveredIds).hasSize(DELIVERED);
            List<LogCapture.Line> lines = log.lines();
            for (LogCapture.Line line : lines) {
                for (String secret : secrets) {
                    assertThat(line.text()).as("a %s line of %s", line.level(), line.logger()).doesNotContain(secret);
                }
            }
            assertThat(log.shownByDefault()).as("no line per successful delivery at the default level")
                    .noneMatch(l -> deliveredIds.stream().anyMatch(id -> l.text().contains(id)));
            String endpoint = "http://127.0.0.1:" + receiver.port();
            for (String webhookId : exhausted.stream().map(Delivery::webhookId).toList()) {
                assertThat(lines).filteredOn(l -> l.text().contains(webhookId) && l.level().toInt() >= 20000)
                        .singleElement().satisfies(l -> assertThat(l.text())
                                .startsWith("event=delivery.dead_lettered webhook_id=" + webhookId + " subscription_id="
                                        + failing.id())
                                .endsWith(" attempt=2 reason=exhausted status=500 endpoint=" + endpoint
                                        + " error=\"HTTP 500\""));
            }
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=delivery.dead_lettered webhook_id=" + goneDelivery.webhookId())
                    .contains(" reason=gone ", " status=410 "));
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=delivery.dead_lettered webhook_id=" + deletedDelivery.webhookId())
                    .endsWith(" attempt=1 reason=endpoint-deleted error=\"not attempted: the subscription was deleted\""
                            + " last_status=500 last_error=\"HTTP 500\""));
            assertThat(lines).extracting(LogCapture.Line::text).contains("event=endpoint.disabled subscription_id="
                    + gone.id() + " operator_id=" + Fixtures.OPERATOR + " endpoint=" + endpoint
                    + " reason=\"endpoint answered 410 Gone\"");
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=partitions.assigned group=hookrelay-retry client_id=hookrelay-retry-")
                    .endsWith(" partitions=webhooks.retry.1s-0,webhooks.retry.1s-1,webhooks.retry.1s-2"));
        } finally {
            kafka.close();
        }
    }

    private static PrometheusText scrape(RetryService service) {
        return PrometheusText.parse(get(service, "/metrics", null).body());
    }

    private static HttpResponse<String> get(RetryService service, String path, String key) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                    .timeout(Duration.ofSeconds(20));
            if (key != null) {
                b.header("Authorization", "Bearer " + key);
            }
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }
}
