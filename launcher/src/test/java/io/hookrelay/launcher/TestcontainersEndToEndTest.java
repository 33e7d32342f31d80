package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The pipeline against a real Kafka in a container, where Docker exists (skipped elsewhere). */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersEndToEndTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.4.0");

    @Test
    void httpEventReachesTheSubscriberThroughAContainerizedBroker() throws Exception {
        Map<String, String> env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", KAFKA.getBootstrapServers(),
                "WEBHOOKS_DATA_DIR", Files.createTempDirectory("hookrelay-tc-").toString(),
                "WEBHOOKS_API_KEYS", "acme=" + EndToEndTest.ACME_KEY,
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true",
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        try (AllInOne all = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineClient api = new PipelineClient(all.ingestUrl());
            JsonNode sub = api.subscribe(EndToEndTest.ACME_KEY, receiver.url("/tc"), "*");
            api.send(EndToEndTest.ACME_KEY, PipelineClient.ftd("acme", "tc-1"));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received("/tc").size() == 1);
            var r = receiver.received("/tc").get(0);
            assertThat(Signatures.valid(sub.get("secret").asText(), r.header("webhook-id"), r.header("webhook-timestamp"),
                    r.body(), r.header("webhook-signature"))).isTrue();
        }
    }
}
