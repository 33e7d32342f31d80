package io.hookrelay.dispatcher.status;

import static io.hookrelay.dispatcher.status.StatusFixtures.KEY_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.OPERATOR_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.WAIT;
import static io.hookrelay.dispatcher.status.StatusFixtures.accept;
import static io.hookrelay.dispatcher.status.StatusFixtures.awaitDispatched;
import static io.hookrelay.dispatcher.status.StatusFixtures.event;
import static io.hookrelay.dispatcher.status.StatusFixtures.getOk;
import static io.hookrelay.dispatcher.status.StatusFixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver.Reply;
import io.hookrelay.testing.WebhookReceiver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** An endpoint that keeps failing is disabled, with alerts, and comes back when its owner enables it. */
class AutoDisableTest {

    @Test
    void disablesAnEndpointThatKeepsFailingAndResumesOnceReEnabled() throws Exception {
        Properties p = new Properties();
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            PipelineConfig config = StatusFixtures.config(kafka.bootstrapServers(), StatusFixtures.tempDir("disable"),
                    "WEBHOOKS_DISABLE_AFTER", "4s", "WEBHOOKS_FAILING_ALERT_AFTER", "2");
            TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
            try (Admin admin = Admin.create(p);
                 DispatcherService dispatcher = DispatcherService.start(config, Clock.systemUTC());
                 SubscriptionCatalog catalog = new SubscriptionCatalog(kafka.bootstrapServers(), "test-owner").start()) {
                receiver.reply("/failing", Reply.status(500).withBody("down"));
                Subscription s = StatusFixtures.subscribe(client, dispatcher, KEY_A,
                        subscription(OPERATOR_A, receiver.url("/failing")));
                for (int i = 0; i < 3; i++) {
                    awaitDispatched(admin, accept(client, event(OPERATOR_A, "fail-" + i)));
                }

                // Disabled on webhooks.subscriptions, saying since when.
                Subscription disabled = latestVersion(client, s.id(), v -> !v.enabled());
                Instant firstFailure = Instant.ofEpochMilli(firstAttempt(client, WebhookIds.of(OPERATOR_A, "fail-0", s.id())));
                assertThat(disabled.disabledReason()).startsWith("disabled automatically")
                        .contains("failed since " + firstFailure).contains("WEBHOOKS_DISABLE_AFTER");
                assertThat(disabled.secret()).isEqualTo(s.secret());
                assertThat(disabled.url()).isEqualTo(s.url());

                // endpoint.failing once in the streak (at the 2nd failure), then endpoint.disabled.
                List<JsonNode> alerts = alertsUntilDisabled(client, s.id());
                assertThat(alerts).extracting(a -> a.get("type").asText())
                        .containsExactly("endpoint.failing", "endpoint.disabled");
                assertThat(alerts.get(0).get("consecutive_failures").asInt()).isEqualTo(2);
                JsonNode alert = alerts.get(1);
                assertThat(alert.get("subscription_id").asText()).isEqualTo(s.id());
                assertThat(alert.get("operator_id").asText()).isEqualTo(OPERATOR_A);
                assertThat(Instant.parse(alert.get("failing_since").asText())).isEqualTo(firstFailure);
                assertThat(alert.get("consecutive_failures").asInt()).isEqualTo(3);
                assertThat(alert.get("last_error").asText()).isEqualTo("HTTP 500");
                assertThat(Instant.parse(alert.get("at").asText()))
                        .isAfterOrEqualTo(firstFailure.plus(config.get(PipelineConfig.DISABLE_AFTER)));

                // Further events go nowhere.
                await().atMost(WAIT).until(() -> !health(dispatcher, s).get("enabled").asBoolean());
                awaitDispatched(admin, accept(client, event(OPERATOR_A, "while-disabled")));
                assertThat(receiver.received("/failing")).hasSize(3);

                // The owner enables it again: the old streak no longer counts.
                assertThat(catalog.awaitCaughtUp(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> catalog.get(s.id()).map(v -> !v.enabled()).orElse(false));
                new SubscriptionPublisher(client.producer(), catalog)
                        .put(catalog.get(s.id()).orElseThrow().withEnabled(true, null, Instant.now()))
                        .get(30, TimeUnit.SECONDS);
                JsonNode[] h = new JsonNode[1];
                await().atMost(WAIT).until(() -> {
                    h[0] = health(dispatcher, s);
                    return h[0].get("enabled").asBoolean() && h[0].get("consecutive_failures").asInt() == 0;
                });
                assertThat(h[0].get("failing_since").isNull()).isTrue();
                assertThat(h[0].get("disables_at").isNull()).isTrue();

                // Deliveries resume.
                receiver.reply("/failing", Reply.status(204));
                awaitDispatched(admin, accept(client, event(OPERATOR_A, "after-re-enable")));
                assertThat(receiver.received("/failing")).hasSize(4);
                assertThat(versions(client, s.id()).stream().filter(v -> !v.enabled()).count())
                        .as("disabled once").isEqualTo(1);
            }
        }
    }

    private static JsonNode health(DispatcherService dispatcher, Subscription s) {
        return getOk(dispatcher, "/v1/subscriptions/" + s.id() + "/health", KEY_A);
    }

    private static List<Subscription> versions(KafkaTestClient client, String id) {
        List<Subscription> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : client.readUntil(Topics.SUBSCRIPTIONS, l -> false,
                java.time.Duration.ofSeconds(1))) {
            if (id.equals(r.key()) && r.value() != null) {
                out.add(read(r.value(), Subscription.class));
            }
        }
        return out;
    }

    private static Subscription latestVersion(KafkaTestClient client, String id,
                                              java.util.function.Predicate<Subscription> wanted) {
        List<ConsumerRecord<String, byte[]>> all = client.readUntil(Topics.SUBSCRIPTIONS, l -> l.stream()
                .anyMatch(r -> id.equals(r.key()) && r.value() != null && wanted.test(read(r.value(), Subscription.class))),
                WAIT);
        return all.stream().filter(r -> id.equals(r.key())).map(r -> read(r.value(), Subscription.class))
                .filter(wanted).reduce((a, b) -> b).orElseThrow(() -> new AssertionError("No such version of " + id));
    }

    /** The alerts of one subscription, in topic order, up to its endpoint.disabled alert. */
    private static List<JsonNode> alertsUntilDisabled(KafkaTestClient client, String id) {
        List<JsonNode> out = new ArrayList<>();
        List<ConsumerRecord<String, byte[]>> all = client.readUntil(Topics.ALERTS, l -> l.stream()
                .anyMatch(r -> id.equals(r.key()) && read(r.value(), JsonNode.class).get("type").asText()
                        .equals("endpoint.disabled")), WAIT);
        for (ConsumerRecord<String, byte[]> r : all) {
            if (id.equals(r.key())) {
                out.add(read(r.value(), JsonNode.class));
            }
        }
        return out;
    }

    private static long firstAttempt(KafkaTestClient client, String webhookId) throws IOException {
        ConsumerRecord<String, byte[]> r = client.readUntil(Topics.ATTEMPTS,
                l -> l.stream().anyMatch(x -> webhookId.equals(x.key())), WAIT).stream()
                .filter(x -> webhookId.equals(x.key())).findFirst().orElseThrow();
        return AttemptRecord.fromJson(r.value()).attemptedAt();
    }

    private static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return Json.MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
