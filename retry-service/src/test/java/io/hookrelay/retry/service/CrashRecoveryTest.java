package io.hookrelay.retry.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.hookrelay.testing.ChildJvm;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A retry-service killed the way a machine dies, while deliveries wait and attempts are in flight. */
class CrashRecoveryTest {

    private static final Logger log = LoggerFactory.getLogger(CrashRecoveryTest.class);
    private static final int DELIVERIES = 1_000;

    @Test
    void attemptsEveryWaitingDeliveryAfterKillNoneEarly() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "child-retry-services"));
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            Map<String, String> env = Fixtures.env(kafka.bootstrapServers(), "2s,5s", "WEBHOOKS_PARTITIONS", "6",
                    "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", "8");
            TopicProvisioner.ensure(kafka.bootstrapServers(), 6,
                    PipelineConfig.from(env).get(PipelineConfig.RETRY_SCHEDULE));
            // Each answer takes a moment and the endpoint gets few connections, so attempts are in
            // flight when the kill comes.
            receiver.reply("/crash", Reply.status(204).after(Duration.ofMillis(20)));
            List<Subscription> subs = IntStream.range(0, 12)
                    .mapToObj(i -> Fixtures.subscription(receiver.url("/crash"))).toList();
            subs.forEach(s -> Fixtures.putSubscription(client, s));
            Backlog backlog = Backlog.write(client, "crash-", subs, List.of(Fixtures.tier("2s"), Fixtures.tier("5s")),
                    DELIVERIES, System.currentTimeMillis() + 4_000, 6_000);

            Process first = ChildJvm.start(RetryService.class, env, logs.resolve("crash-first.log"));
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> backlog.received(receiver).size() >= 250);
            } finally {
                ChildJvm.kill(first);
            }
            int beforeKill = backlog.received(receiver).size();
            assertThat(beforeKill).as("the kill came mid-run").isLessThan(DELIVERIES);

            Process second = ChildJvm.start(RetryService.class, env, logs.resolve("crash-second.log"));
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                        .until(() -> backlog.received(receiver).size() == DELIVERIES);
            } finally {
                ChildJvm.stop(second);
            }
            backlog.assertAllReceivedNoneEarly(receiver);
            log.info("{} waiting deliveries: {} requests, {} delivered before the kill", DELIVERIES,
                    backlog.mine(receiver.received()).size(), beforeKill);
        }
    }
}
