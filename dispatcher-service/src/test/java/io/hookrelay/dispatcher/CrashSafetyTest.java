package io.hookrelay.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.hookrelay.testing.ChildJvm;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A dispatcher killed mid-stream, the way a machine dies, loses nothing once restarted. */
class CrashSafetyTest {

    private static final Logger log = LoggerFactory.getLogger(CrashSafetyTest.class);
    private static final int EVENTS = 5_000;
    private static final String OPERATOR = "op-crash";

    @Test
    void redeliversEveryEventAfterKill() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "child-dispatchers"));
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers());
            TopicProvisioner.ensure(kafka.bootstrapServers(), 6, config.get(PipelineConfig.RETRY_SCHEDULE));
            // Each answer takes a moment and the endpoint gets few connections, so the stream lasts
            // long enough to be cut in the middle.
            receiver.reply("/crash", Reply.status(204).after(Duration.ofMillis(10)));
            // Its own limit above the connection pool: this test is about crashes, not parking.
            Subscription s = Fixtures.subscription(OPERATOR, receiver.url("/crash"), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
            Fixtures.putSubscription(client, s.id(), s);
            for (int i = 0; i < EVENTS; i++) {
                var event = Fixtures.event(OPERATOR, "crash-" + i).json();
                client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, event.get("player_ref").asText(),
                        Json.bytes(event)));
            }
            client.producer().flush();

            Map<String, String> env = new HashMap<>(KafkaTestClient.env(kafka.bootstrapServers(),
                    "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "DISPATCHER_HTTP_PORT", "0", "WEBHOOKS_PARTITIONS", "6",
                    "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", "8", "WEBHOOKS_DATA_DIR", Fixtures.tempDataDir()));
            Process first = ChildJvm.start(DispatcherService.class, env, logs.resolve("first.log"));
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received("/crash").size() >= 1_000);
            } finally {
                first.destroyForcibly();
            }
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int deliveredBeforeKill = eventIds(receiver.received("/crash")).size();
            assertThat(deliveredBeforeKill).as("the kill came mid-stream").isLessThan(EVENTS);

            Process second = ChildJvm.start(DispatcherService.class, env, logs.resolve("second.log"));
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                        .until(() -> accountedFor(receiver.received("/crash"), client, config) == EVENTS);
            } finally {
                second.destroy();
                if (!second.waitFor(30, TimeUnit.SECONDS)) {
                    second.destroyForcibly();
                }
            }

            List<Received> all = receiver.received("/crash");
            Map<String, Set<String>> webhookIdsByEvent = all.stream().collect(Collectors.groupingBy(
                    CrashSafetyTest::eventId, Collectors.mapping(r -> r.header("webhook-id"), Collectors.toSet())));
            Set<String> expected = IntStream.range(0, EVENTS).mapToObj(i -> "crash-" + i)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> accounted = new TreeSet<>(webhookIdsByEvent.keySet());
            Set<String> retried = Fixtures.retriedEventIds(client, config);
            accounted.addAll(retried);
            assertThat(accounted).isEqualTo(expected);
            System.out.println("CRASH delivered=" + webhookIdsByEvent.size() + " retried=" + retried.size());
            webhookIdsByEvent.forEach((eventId, ids) -> assertThat(ids).as("webhook-id of %s", eventId)
                    .containsExactly(WebhookIds.of(OPERATOR, eventId, s.id())));
            log.info("{} events: {} requests, {} delivered before the kill, {} delivered twice or more", EVENTS,
                    all.size(), deliveredBeforeKill, all.size() - EVENTS);
        }
    }

    /** Events delivered, or durable on the first retry tier after a failed attempt: none lost. */
    private static int accountedFor(List<Received> received, KafkaTestClient client, PipelineConfig config) {
        Set<String> ids = new java.util.HashSet<>(eventIds(received));
        ids.addAll(Fixtures.retriedEventIds(client, config));
        return ids.size();
    }

    private static Set<String> eventIds(List<Received> received) {
        return received.stream().map(CrashSafetyTest::eventId).collect(Collectors.toSet());
    }

    private static String eventId(Received r) {
        try {
            return Json.tree(r.body()).get("data").get("event_id").asText();
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + r.bodyText(), e);
        }
    }
}
