package io.hookrelay.retry.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;

/**
 * How late retries are under a steady stream: a few thousand deliveries written to the 1 s tier
 * over a few seconds, the way failed first attempts arrive, against a fast receiver. The lateness is
 * measured from the attempt records and printed on a line starting {@code LATENESS}; it is not
 * asserted, since it depends on the machine. What is asserted: each delivered once, none early.
 */
class LatenessTest {

    private static final int RETRIES = 3_000;
    /** Deliveries written per batch, and batches per second: a steady 1,000 retries a second. */
    private static final int BATCH = 100;
    private static final long BATCH_EVERY_MS = 100;

    @Test
    void measuresLatenessOfThreeThousandRetriesEachDeliveredOnceNoneEarly() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers(), "1s", "WEBHOOKS_PARTITIONS", "6");
            TopicProvisioner.ensure(kafka.bootstrapServers(), 6, config.get(PipelineConfig.RETRY_SCHEDULE));
            List<Subscription> subs = IntStream.range(0, 30)
                    .mapToObj(i -> Fixtures.subscription(receiver.url("/fast"))).toList();
            subs.forEach(s -> Fixtures.putSubscription(client, s));

            try (RetryService service = RetryService.start(config, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> subs.stream()
                        .allMatch(s -> service.catalog().get(s.id()).isPresent()));
                List<Backlog> batches = new ArrayList<>();
                long start = System.currentTimeMillis();
                for (int b = 0; b < RETRIES / BATCH; b++) {
                    // Paces the writer, as failures arriving over time would; it asserts nothing.
                    long next = start + b * BATCH_EVERY_MS;
                    Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
                    batches.add(Backlog.write(client, "late-" + b + "-", subs, List.of(Fixtures.tier("1s")), BATCH,
                            System.currentTimeMillis() + 1_000, 0));
                }

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> receiver.received().size() >= RETRIES);
                for (Backlog b : batches) {
                    b.assertAllReceivedNoneEarly(receiver);
                }
                assertThat(receiver.received()).as("each retry made once").hasSize(RETRIES);

                List<AttemptRecord> attempts = Fixtures.attempts(client,
                        batches.stream().flatMap(b -> b.webhookIds().stream()).collect(java.util.stream.Collectors.toSet()),
                        RETRIES, Duration.ofSeconds(30));
                assertThat(attempts).hasSize(RETRIES);
                long[] lateness = attempts.stream().mapToLong(AttemptRecord::latenessMs).sorted().toArray();
                System.out.println("LATENESS retries=" + RETRIES + " tier=1s median_ms=" + percentile(lateness, 50)
                        + " p99_ms=" + percentile(lateness, 99) + " max_ms=" + lateness[lateness.length - 1]);
            }
        }
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
