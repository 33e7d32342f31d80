package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import org.junit.jupiter.api.Test;

/** {@code ./run.sh demo} as a newcomer sees it: an embedded broker, a generated key, signed deliveries. */
class DemoTest {

    @Test
    void demoDeliversSignedSampleEventsWithAGeneratedKey() throws Exception {
        Path data = Files.createTempDirectory("hookrelay-demo-");
        Map<String, String> env = Map.of(
                "WEBHOOKS_DATA_DIR", data.toString(),
                "WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()),
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        try (AllInOne all = AllInOne.start(PipelineConfig.from(env), env, true, Clock.systemUTC())) {
            assertThat(all.apiKey()).startsWith("demo_");
            assertThat(all.config().get(PipelineConfig.ALLOW_PRIVATE_TARGETS)).isTrue();
            assertThat(Files.readString(data.resolve("demo-api-key"))).isEqualTo(all.apiKey());
            await().atMost(Duration.ofSeconds(60)).until(() -> all.demoDeliveriesVerified() >= 3);
        }
    }
}
