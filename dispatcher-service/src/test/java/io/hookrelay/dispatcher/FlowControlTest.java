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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.PrometheusText;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow subscribers: they must not hold up the others, and they must not make the dispatcher
 * fetch without bound. The slow one is a {@link GatedEndpoint}, or a receiver path held until the
 * test says so, so what is asserted is an order of events, never a speed. Past its own
 * {@code max_in_flight} (after a short wait in memory) or rate, a subscription's deliveries are
 * parked on the shortest delay topic
 * (same attempt, no attempt record); the retry-service, which brings them back, does not run here
 * (the launcher's {@code RetryEndToEndTest} runs both).
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

    private static long count(List<ConsumerRecord<String, byte[]>> l, String subscriptionId) {
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
            // Limits of their own above the event count: what holds the slow one back here is its
            // connection pool (SubscriptionLimitsTest covers max_in_flight).
            Subscription slowSub = subscription("op-isolation", slow.url("/slow"), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
            Subscription fastSub = subscription("op-isolation", fast.url("/fast"), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
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
    void subscriptionsOnOneHostEachGetTheirOwnMaxInFlight() {
        int subscriptions = 8;
        int limit = 4;
        int events = 6;
        try (WebhookReceiver tracker = WebhookReceiver.start();
             DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers(),
                     "WEBHOOKS_HTTP_TIMEOUT", "30s"), Clock.systemUTC())) {
            // Eight affiliates whose postbacks all go to one tracker host:port, with the defaults.
            List<Subscription> subs = new java.util.ArrayList<>();
            for (int k = 0; k < subscriptions; k++) {
                tracker.hold("/aff-" + k);
                Subscription s = subscription("op-onehost", tracker.url("/aff-" + k), List.of("kyc.*")).withLimits(limit, null);
                subscribe(dispatcher, s);
                subs.add(s);
            }

            acceptTogether("op-onehost", "onehost-", events, "kyc.status_changed");

            // 32 requests open at once on one host:port: more than the 20 a host's pool used to
            // hold for every subscription on it together.
            await().atMost(WAIT).until(() -> tracker.received().size() == subscriptions * limit);
            // Each is held to its own limit: the rest of its deliveries waited, then were parked.
            await().atMost(WAIT).until(() -> subs.stream().mapToInt(s -> parked(s).size()).sum()
                    == subscriptions * (events - limit));
            assertThat(tracker.received()).hasSize(subscriptions * limit);
            for (int k = 0; k < subscriptions; k++) {
                assertThat(tracker.mostAtOnce("/aff-" + k)).as("requests open at once to subscription %d", k).isEqualTo(limit);
                tracker.release("/aff-" + k);
            }
            for (Subscription s : subs) {
                assertThat(deliveredAttempts(s.id(), limit)).isEqualTo(limit);
            }
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
            Subscription s = subscription("op-backpressure", slow.url("/held"), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
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
    void pastMaxInFlightTheRestIsParkedWhileAnotherSubscriptionGetsEverything() {
        int events = 10;
        fast.hold("/saturated");
        try (DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers(),
                "WEBHOOKS_HTTP_TIMEOUT", "30s"), Clock.systemUTC())) {
            Subscription saturated = subscription("op-limits", fast.url("/saturated"), List.of("kyc.*")).withLimits(2, null);
            Subscription healthy = subscription("op-limits", fast.url("/healthy"), List.of("kyc.*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
            subscribe(dispatcher, saturated);
            subscribe(dispatcher, healthy);

            acceptTogether("op-limits", "sat-", events, "kyc.status_changed");

            // The healthy subscription gets every event while the saturated one holds two requests.
            await().atMost(WAIT).until(() -> fast.received("/healthy").size() == events);
            await().atMost(WAIT).until(() -> parked(saturated).size() >= events - 2);
            await().atMost(WAIT).until(() -> fast.received("/saturated").size() == 2);
            List<ConsumerRecord<String, byte[]>> parked = parked(saturated);
            assertThat(parked).hasSize(events - 2).allSatisfy(r -> {
                Delivery d = Delivery.read(r);
                assertThat(d.attempt()).isEqualTo(1);
                assertThat(d.firstAttemptAt()).isZero();
                assertThat(KafkaTestClient.header(r, "webhooks.park-reason")).isEqualTo("max_in_flight");
                assertThat(KafkaTestClient.header(r, "webhooks.attempt")).isEqualTo("1");
                assertThat(KafkaTestClient.header(r, "webhooks.last-status")).isEqualTo("0");
                assertThat(d.dueAt()).isGreaterThanOrEqualTo(r.timestamp());
            });
            assertThat(fast.mostAtOnce("/saturated")).isEqualTo(2);
            Set<String> accounted = new HashSet<>(eventIds(fast.received("/saturated")));
            parked.forEach(r -> accounted.add(Delivery.read(r).eventId()));
            assertThat(accounted).as("each event either attempted or parked, none twice").isEqualTo(
                    IntStream.range(0, events).mapToObj(i -> "sat-" + i).collect(Collectors.toSet()));
            // Counted once Kafka has acknowledged the park, which a reader can see a moment earlier.
            await().atMost(WAIT).until(() -> metric(dispatcher, "hookrelay_deliveries_parked_total", "reason",
                    "max_in_flight") == events - 2);
            // Parking is not an attempt: nothing of the saturated subscription is on record yet.
            assertThat(client.readUntil(Topics.ATTEMPTS, l -> false, Duration.ofSeconds(1)))
                    .noneMatch(r -> parse(r.value()).subscriptionId().equals(saturated.id()));

            fast.release("/saturated");
            assertThat(deliveredAttempts(saturated.id(), 2)).isEqualTo(2);
            assertThat(fast.mostAtOnce("/saturated")).isEqualTo(2);
        }
    }

    @Test
    void aBurstToAFastSubscriberWaitsForItsSlotsInsteadOfBeingParked() {
        int events = 12;
        try (DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers()),
                Clock.systemUTC())) {
            Subscription narrow = subscription("op-burst", fast.url("/burst"), List.of("*")).withLimits(2, null);
            subscribe(dispatcher, narrow);

            acceptTogether("op-burst", "burst-", events, "commission.pending");

            // Six rounds of two to a receiver that answers at once: each waiting delivery gets a
            // slot within its wait, so all arrive from the dispatcher itself (no retry-service here
            // could bring back a parked one), never more than two at once, and none is parked.
            await().atMost(WAIT).until(() -> fast.received("/burst").size() == events);
            assertThat(fast.mostAtOnce("/burst")).isLessThanOrEqualTo(2);
            assertThat(eventIds(fast.received("/burst"))).hasSize(events);
            assertThat(parked(narrow)).isEmpty();
            assertThat(metric(dispatcher, "hookrelay_deliveries_parked_total", "reason", "max_in_flight")).isZero();
        }
    }

    @Test
    void pastTheRateTheRestIsParkedOneTokenIntervalApart() {
        int events = 20;
        try (DispatcherService dispatcher = DispatcherService.start(Fixtures.config(kafka.bootstrapServers()),
                Clock.systemUTC())) {
            Subscription rated = subscription("op-rated", fast.url("/rated"), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, 5);
            subscribe(dispatcher, rated);

            acceptTogether("op-rated", "rate-", events, "commission.pending");

            // A burst of up to 5 goes at once, the rest is parked.
            await().atMost(WAIT).until(() -> fast.received("/rated").size() + parked(rated).size() == events);
            List<ConsumerRecord<String, byte[]>> parked = parked(rated);
            assertThat(fast.received("/rated").size()).isBetween(5, 10);
            assertThat(parked).allSatisfy(r ->
                    assertThat(KafkaTestClient.header(r, "webhooks.park-reason")).isEqualTo("rate_limit"));
            // Due one token (200 ms) apart, so the backlog comes back at the rate rather than all at once.
            List<Long> dueAts = parked.stream().map(r -> Delivery.read(r).dueAt()).sorted().toList();
            for (int i = 1; i < dueAts.size(); i++) {
                assertThat(dueAts.get(i) - dueAts.get(i - 1)).as("gap before parked delivery %d", i)
                        .isGreaterThanOrEqualTo(195);
            }
            await().atMost(WAIT).until(() -> metric(dispatcher, "hookrelay_deliveries_parked_total", "reason",
                    "rate_limit") == parked.size());
        }
    }

    /** Produces the events without waiting for each ack, so the dispatcher fetches them together. */
    private static void acceptTogether(String operator, String prefix, int count, String eventType) {
        for (int i = 0; i < count; i++) {
            var e = event(operator, prefix + i).type(eventType).json();
            client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, e.get("player_ref").asText(), Json.bytes(e)));
        }
        client.producer().flush();
    }

    /** The deliveries of {@code s} parked on the shortest delay topic. */
    private static List<ConsumerRecord<String, byte[]>> parked(Subscription s) {
        String shortestTier = Fixtures.config(kafka.bootstrapServers()).get(PipelineConfig.RETRY_SCHEDULE).topics().get(0);
        return client.readUntil(shortestTier, l -> false, Duration.ofMillis(500)).stream()
                .filter(r -> s.id().equals(r.key())).toList();
    }

    private static Set<String> eventIds(List<Received> received) {
        Set<String> ids = new HashSet<>();
        for (Received r : received) {
            try {
                ids.add(Json.tree(r.body()).get("data").get("event_id").asText());
            } catch (Exception e) {
                throw new AssertionError("Not JSON: " + r.bodyText(), e);
            }
        }
        return ids;
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

    private static double metric(DispatcherService dispatcher, String name, String... labels) {
        try {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + dispatcher.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return PrometheusText.parse(text).sum(name, labels);
        } catch (Exception e) {
            throw new AssertionError("GET /metrics failed", e);
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
