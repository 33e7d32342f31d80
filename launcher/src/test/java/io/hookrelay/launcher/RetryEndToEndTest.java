package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Failures through the whole pipeline: first attempt, delay tiers, dead letter, redrive after the fix. */
class RetryEndToEndTest {

    static final String KEY = "acme-key-0123456789";
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
