package io.hookrelay.dispatcher;

import static io.hookrelay.dispatcher.Fixtures.accept;
import static io.hookrelay.dispatcher.Fixtures.event;
import static io.hookrelay.dispatcher.Fixtures.putSubscription;
import static io.hookrelay.dispatcher.Fixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow subscribers: they must not hold up the others, and they must not make the dispatcher
 * fetch without bound. The slow one is a {@link GatedEndpoint}, which answers only when the test
 * says so, so what is asserted is an order of events, never a speed.
 */
class FlowControlTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static WebhookReceiver fast;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startEphemeral();
        TopicProvisioner.ensure(kafka.bootstrapServers(), 3, Fixtures.config(kafka.bootstrapServers())
                .get(PipelineConfig.RETRY_SCHEDULE));
        client = new KafkaTestClient(kafka.bootstrapServers());
        fast = WebhookReceiver.start();
    }

    @AfterAll
    static void stop() {
        fast.close();
        client.close();
        kafka.close();
    }

    private static void subscribe(DispatcherService dispatcher, Subscription s) {
        putSubscription(client, s.id(), s);
        await().atMost(WAIT).until(() -> dispatcher.catalog().get(s.id()).equals(Optional.of(s)));
    }

    private static long deliveredAttempts(String subscriptionId, int expected) {
        return client.readUntil(Topics.ATTEMPTS, l -> count(l, subscriptionId) >= expected, WAIT).stream()
                .map(r -> parse(r.value()))
                .filter(a -> a.subscriptionId().equals(subscriptionId) && a.outcome() == Outcome.DELIVERED)
                .count();
    }

    private static long count(List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> l, String subscriptionId) {
        return l.stream().filter(r -> parse(r.value()).subscriptionId().equals(subscriptionId)).count();
    }

    private static AttemptRecord parse(byte[] value) {
        try {
            return AttemptRecord.fromJson(value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void fastSubscriberIsNotHeldUpBySlowOne() {
        int events = 30;
        int perEndpoint = 10;
        try (GatedEndpoint slow = new GatedEndpoint();
             DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers(),
                     "WEBHOOKS_HTTP_TIMEOUT", "30s",
                     "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", Integer.toString(perEndpoint)), Clock.systemUTC())) {
            Subscription slowSub = subscription("op-isolation", slow.url("/slow"), List.of("*"));
            Subscription fastSub = subscription("op-isolation", fast.url("/fast"), List.of("*"));
            subscribe(dispatcher, slowSub);
            subscribe(dispatcher, fastSub);

            for (int i = 0; i < events; i++) {
                accept(client, event("op-isolation", "iso-" + i).json());
            }

            // Every event goes to both; the fast subscriber gets all of them while the slow one
            // has answered none, and holds no more requests than its own connection limit.
            await().atMost(WAIT).until(() -> fast.received("/fast").size() == events);
            assertThat(slow.answered()).isZero();
            assertThat(deliveredAttempts(fastSub.id(), events)).isEqualTo(events);
            // The slow endpoint fills its own connections and no more; the rest queue behind them.
            await().atMost(WAIT).until(() -> slow.arrived() == perEndpoint);
            assertThat(slow.answered()).isZero();

            slow.open();
            await().atMost(WAIT).until(() -> slow.answered() == events);
            assertThat(deliveredAttempts(slowSub.id(), events)).isEqualTo(events);
        }
    }

    @Test
    void stopsFetchingWhileMaxInFlightDeliveriesAreWaiting() throws Exception {
        int maxInFlight = 5;
        int events = 60;
        try (GatedEndpoint slow = new GatedEndpoint();
             DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers(),
                     "WEBHOOKS_HTTP_TIMEOUT", "30s", "WEBHOOKS_MAX_IN_FLIGHT", Integer.toString(maxInFlight)),
                     Clock.systemUTC())) {
            Subscription s = subscription("op-backpressure", slow.url("/held"), List.of("*"));
            subscribe(dispatcher, s);

            for (int i = 0; i < events; i++) {
                accept(client, event("op-backpressure", "bp-" + i).json());
            }

            await().atMost(WAIT).until(() -> slow.arrived() >= maxInFlight);
            // Give an unbounded dispatcher every chance to show itself: it would have fetched and
            // started all 60 by now. A bounded one stops within one poll (at most maxInFlight records).
            Thread.sleep(1000);
            assertThat(slow.arrived()).isBetween(maxInFlight, 2 * maxInFlight - 1);

            slow.open();
            await().atMost(WAIT).until(() -> slow.answered() == events);
            assertThat(deliveredAttempts(s.id(), events)).isEqualTo(events);
        }
    }

    @Test
    void closingWaitsForDeliveriesInFlightThenCommitsThem() throws Exception {
        try (GatedEndpoint slow = new GatedEndpoint();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) kafka.bootstrapServers()))) {
            DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers(),
                    "WEBHOOKS_HTTP_TIMEOUT", "30s"), Clock.systemUTC());
            Subscription s = subscription("op-closing", slow.url("/closing"), List.of("*"));
            subscribe(dispatcher, s);
            RecordMetadata record = accept(client, event("op-closing", "e-closing").json());
            await().atMost(WAIT).until(() -> slow.arrived() == 1);

            CompletableFuture<Void> closed = CompletableFuture.runAsync(dispatcher::close);
            // Draining: no longer consuming (health DOWN), the delivery still held by the subscriber.
            await().atMost(WAIT).until(() -> healthStatus(dispatcher) == 503);
            slow.open();
            closed.get(60, TimeUnit.SECONDS);

            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(DispatcherService.GROUP_ID)
                    .partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(record.topic(), record.partition()));
            assertThat(committed).isNotNull();
            assertThat(committed.offset()).isGreaterThan(record.offset());
            assertThat(deliveredAttempts(s.id(), 1)).isEqualTo(1);
        }
    }

    private static int healthStatus(DispatcherService dispatcher) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + dispatcher.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
