package io.hookrelay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.LogCapture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The topics the configuration asks for, with a real broker: above all how long accepted events are kept. */
class TopicProvisionerTest {

    private static final ConfigResource ACCEPTED = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ACCEPTED);

    @Test
    void acceptedEventsAreKeptForTheDeliveryLogsRetentionPlusADaySoEveryListedDeliveryCanBeResent() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral(); Admin admin = admin(kafka)) {
            TopicProvisioner.ensure(config(kafka, "3d"));

            assertThat(retentionMs(admin)).isEqualTo(Duration.ofDays(4).toMillis());
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(Topics.ACCEPTED, Topics.DLQ, Topics.ATTEMPTS, "webhooks.retry.5s");
        }
    }

    @Test
    void anExistingAcceptedTopicKeepingEventsTooBrieflyIsLeftAsItIsWithAWarningSayingHowToFixIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral(); Admin admin = admin(kafka)) {
            TopicProvisioner.ensure(config(kafka, "3d"));
            admin.incrementalAlterConfigs(Map.of(ACCEPTED, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "3600000"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            // The change reaches the broker's view through the metadata log, a moment later.
            await().atMost(Duration.ofSeconds(10)).until(() -> retentionMs(admin) == 3_600_000L);

            try (LogCapture logs = LogCapture.install()) {
                TopicProvisioner.ensure(config(kafka, "3d"));
                assertThat(logs.lines()).filteredOn(l -> l.level() == Level.WARN)
                        .extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                                .contains(Topics.ACCEPTED).contains("retention.ms=3600000")
                                .contains("retention.ms=" + Duration.ofDays(4).toMillis()));
            }
            assertThat(retentionMs(admin)).isEqualTo(3_600_000L);
        }
    }

    private static PipelineConfig config(EmbeddedKafka kafka, String statusRetention) {
        return PipelineConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "WEBHOOKS_PARTITIONS", "1", "WEBHOOKS_STATUS_RETENTION", statusRetention));
    }

    private static Admin admin(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Admin.create(p);
    }

    private static long retentionMs(Admin admin) throws Exception {
        return Long.parseLong(admin.describeConfigs(List.of(ACCEPTED)).all().get(30, TimeUnit.SECONDS).get(ACCEPTED)
                .get(TopicConfig.RETENTION_MS_CONFIG).value());
    }
}
