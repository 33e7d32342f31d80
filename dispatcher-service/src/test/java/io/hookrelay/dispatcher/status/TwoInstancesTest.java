package io.hookrelay.dispatcher.status;

import static io.hookrelay.dispatcher.status.StatusFixtures.KEY_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.OPERATOR_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.WAIT;
import static io.hookrelay.dispatcher.status.StatusFixtures.accept;
import static io.hookrelay.dispatcher.status.StatusFixtures.event;
import static io.hookrelay.dispatcher.status.StatusFixtures.get;
import static io.hookrelay.dispatcher.status.StatusFixtures.getOk;
import static io.hookrelay.dispatcher.status.StatusFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** Two dispatcher instances share the partitions; either one answers for all of them. */
class TwoInstancesTest {

    private static final int PARTITIONS = 4;

    @Test
    void eitherInstanceAnswersForDeliveriesTheOtherHolds() {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            String bootstrap = kafka.bootstrapServers();
            String partitions = Integer.toString(PARTITIONS);
            PipelineConfig one = StatusFixtures.config(bootstrap, StatusFixtures.tempDir("one"), "WEBHOOKS_PARTITIONS", partitions);
            PipelineConfig two = StatusFixtures.config(bootstrap, StatusFixtures.tempDir("two"), "WEBHOOKS_PARTITIONS", partitions);
            TopicProvisioner.ensure(bootstrap, PARTITIONS, one.get(PipelineConfig.RETRY_SCHEDULE));
            try (DispatcherService first = DispatcherService.start(one, Clock.systemUTC());
                 DispatcherService second = DispatcherService.start(two, Clock.systemUTC())) {
                List<Subscription> subs = onePerPartition(receiver);
                for (Subscription s : subs) {
                    StatusFixtures.subscribe(client, first, KEY_A, s);
                    StatusFixtures.subscribe(client, second, KEY_A, s);
                }
                // Each instance holds some partitions, so each must ask the other for part of every answer.
                await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                        .until(() -> !heldBy(first, subs).isEmpty() && !heldBy(second, subs).isEmpty());

                accept(client, event(OPERATOR_A, "e-shared"));
                await().atMost(WAIT).until(() -> receiver.received().size() == subs.size());

                Set<String> all = ids(subs);
                for (DispatcherService asked : List.of(first, second)) {
                    JsonNode[] answer = new JsonNode[1];
                    await().atMost(WAIT).until(() -> (answer[0] = getOk(asked, "/v1/events/e-shared/deliveries", KEY_A))
                            .get("data").size() == subs.size());
                    Set<String> answered = new HashSet<>();
                    answer[0].get("data").forEach(d -> {
                        answered.add(d.get("subscription_id").asText());
                        assertThat(d.get("state").asText()).isEqualTo("delivered");
                    });
                    assertThat(answered).isEqualTo(all);
                    for (Subscription s : subs) {
                        JsonNode health = getOk(asked, "/v1/subscriptions/" + s.id() + "/health", KEY_A);
                        assertThat(health.get("last_hour").get("delivered").asInt()).as("health of %s", s.id()).isEqualTo(1);
                        JsonNode list = getOk(asked, "/v1/subscriptions/" + s.id() + "/deliveries?state=delivered", KEY_A);
                        assertThat(list.get("data")).hasSize(1);
                        assertThat(list.get("data").get(0).get("event_id").asText()).isEqualTo("e-shared");
                        // The body is rendered by the instance holding the delivery, whichever one is asked.
                        JsonNode body = getOk(asked, "/v1/events/e-shared/deliveries/"
                                + WebhookIds.of(OPERATOR_A, "e-shared", s.id()) + "/body", KEY_A);
                        assertThat(body.get("body").asText()).as("body of %s", s.id())
                                .isEqualTo(receiver.received(URI.create(s.url()).getPath()).get(0).bodyText());
                    }
                }
                assertThat(heldBy(first, subs)).as("some answers came from the other instance").isNotEqualTo(all);
                assertThat(heldBy(second, subs)).isNotEqualTo(all);

                // Resend asked of one instance reaches the deliveries the other holds: one record per
                // subscription on the first retry tier, each under its own webhook id.
                StatusFixtures.Answer resent = post(first, "/v1/events/e-shared/resend", KEY_A, "");
                assertThat(resent.status()).as("%s", resent.body()).isEqualTo(202);
                assertThat(resent.body().get("queued").asInt()).isEqualTo(subs.size());
                String tier = one.get(PipelineConfig.RETRY_SCHEDULE).topicBefore(RetrySchedule.FIRST_RETRY);
                List<ConsumerRecord<String, byte[]>> written = client.readUntil(tier, l -> l.size() >= subs.size(), WAIT);
                assertThat(written).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(all);
                // A recover is handed to the instance holding the subscription, whose answer comes back.
                Set<String> held = heldBy(first, subs);
                Subscription elsewhere = subs.stream().filter(s -> !held.contains(s.id())).findFirst().orElseThrow();
                StatusFixtures.Answer recovered = post(first, "/v1/subscriptions/" + elsewhere.id() + "/recover", KEY_A,
                        "{\"since\": \"2020-01-01T00:00:00Z\"}");
                assertThat(recovered.status()).as("%s", recovered.body()).isEqualTo(202);
                assertThat(recovered.body().get("subscription_id").asText()).isEqualTo(elsewhere.id());
            }
        }
    }

    /** One subscription per partition of the status stores (partitioned by subscription id like any String key). */
    private static List<Subscription> onePerPartition(WebhookReceiver receiver) {
        Subscription[] found = new Subscription[PARTITIONS];
        int missing = PARTITIONS;
        while (missing > 0) {
            Subscription s = StatusFixtures.subscription(OPERATOR_A, receiver.url("/two/" + missing));
            int p = Utils.toPositive(Utils.murmur2(s.id().getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (found[p] == null) {
                found[p] = s;
                missing--;
            }
        }
        return List.of(found);
    }

    /** The subscriptions whose status {@code d} holds: its internal routes answer only for those. */
    private static Set<String> heldBy(DispatcherService d, List<Subscription> subs) {
        Set<String> held = new HashSet<>();
        for (Subscription s : subs) {
            if (get(d, "/internal/status/subscriptions/" + s.id() + "/health", KEY_A).status() == 200) {
                held.add(s.id());
            }
        }
        return held;
    }

    private static Set<String> ids(List<Subscription> subs) {
        Set<String> ids = new HashSet<>();
        subs.forEach(s -> ids.add(s.id()));
        return ids;
    }
}
