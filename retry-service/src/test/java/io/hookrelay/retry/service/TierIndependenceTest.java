package io.hookrelay.retry.service;

import static io.hookrelay.retry.service.Fixtures.tier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import org.junit.jupiter.api.Test;

/** Each delay-topic partition waits on its own: a long tier never holds a short one back. */
class TierIndependenceTest {

    private static final int PER_TIER = 20;

    @Test
    void shortTierIsDeliveredWhileLongTierStillWaits() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers(), "1s,30s");
            TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
            List<Subscription> subs = List.of(Fixtures.subscription(receiver.url("/a")),
                    Fixtures.subscription(receiver.url("/b")), Fixtures.subscription(receiver.url("/c")));
            subs.forEach(s -> Fixtures.putSubscription(client, s));

            try (RetryService service = RetryService.start(config, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> subs.stream()
                        .allMatch(s -> service.catalog().get(s.id()).isPresent()));
                // The long tier's records are written first and sit at the head of their partitions.
                // Their due time is 8 s away rather than 30 s to keep the test short: the wait
                // follows each record's due time, the tier only names the topic.
                long now = System.currentTimeMillis();
                Map<String, Long> dueByEvent = new HashMap<>();
                for (int i = 0; i < PER_TIER; i++) {
                    Delivery d = Fixtures.waiting(subs.get(i % subs.size()), "long-" + i, 3, now + 8_000);
                    Fixtures.putOnTier(client, tier("30s"), d);
                    dueByEvent.put(d.eventId(), d.dueAt());
                }
                for (int i = 0; i < PER_TIER; i++) {
                    Delivery d = Fixtures.waiting(subs.get(i % subs.size()), "short-" + i, 2, now + 1_000);
                    Fixtures.putOnTier(client, tier("1s"), d);
                    dueByEvent.put(d.eventId(), d.dueAt());
                }

                await().atMost(Duration.ofSeconds(30)).until(() -> received(receiver, "short-").size() == PER_TIER);
                assertThat(received(receiver, "long-")).as("long-tier deliveries attempted while the short tier ran")
                        .isEmpty();

                await().atMost(Duration.ofSeconds(30)).until(() -> received(receiver, "long-").size() == PER_TIER);
                for (Received r : receiver.received()) {
                    assertThat(r.at().toEpochMilli()).as("receive time of %s", Fixtures.eventId(r))
                            .isGreaterThanOrEqualTo(dueByEvent.get(Fixtures.eventId(r)));
                }
            }
        }
    }

    private static Set<String> received(WebhookReceiver receiver, String prefix) {
        return receiver.received().stream().map(Fixtures::eventId).filter(id -> id.startsWith(prefix))
                .collect(Collectors.toSet());
    }
}
