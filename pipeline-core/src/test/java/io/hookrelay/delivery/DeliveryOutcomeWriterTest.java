package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DeliveryOutcomeWriterTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final long NOW_MS = NOW.toEpochMilli();
    private static final RetrySchedule SCHEDULE = RetrySchedule.parse("5s,5m,1h");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static KafkaProducer<String, byte[]> producer;
    private static SubscriptionCatalog catalog;
    private static DeliveryOutcomeWriter writer;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.startEphemeral();
        TopicProvisioner.ensure(kafka.bootstrapServers(), 1, SCHEDULE);
        client = new KafkaTestClient(kafka.bootstrapServers());
        producer = KafkaClients.durableProducer(kafka.bootstrapServers(), "writer-test", 30_000);
        catalog = new SubscriptionCatalog(kafka.bootstrapServers(), "writer-test-catalog").start();
        assertThat(catalog.awaitCaughtUp(WAIT)).isTrue();
        writer = new DeliveryOutcomeWriter(producer, catalog, SCHEDULE, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        catalog.close();
        producer.close();
        client.close();
        kafka.close();
    }

    private static AttemptResult answered(int status, String retryAfter) {
        return FailureClassifier.answer(status, retryAfter, "", NOW_MS, 7, NOW);
    }

    private static ConsumerRecord<String, byte[]> only(String topic, String key) {
        List<ConsumerRecord<String, byte[]>> found = client.readUntil(topic,
                l -> l.stream().anyMatch(r -> key.equals(r.key())), WAIT).stream()
                .filter(r -> key.equals(r.key())).toList();
        assertThat(found).as("records with key %s on %s", key, topic).hasSize(1);
        return found.get(0);
    }

    private static AttemptRecord attemptOf(Delivery d) throws Exception {
        return AttemptRecord.fromJson(only(Topics.ATTEMPTS, d.webhookId()).value());
    }

    @Test
    void deliveredWritesTheAttemptRecordOnly() throws Exception {
        Subscription s = Fixtures.subscription("op-ok", "https://hooks.example.com/in?token=secret-ish");
        Delivery d = Fixtures.delivery(s, "e-ok");

        AttemptRecord written = writer.write(d, s, answered(200, null)).get(20, TimeUnit.SECONDS);

        AttemptRecord read = attemptOf(d);
        assertThat(read).isEqualTo(written);
        assertThat(read.outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.attempt()).isEqualTo(1);
        assertThat(read.nextDueAt()).isNull();
        assertThat(read.deadReason()).isNull();
        assertThat(read.endpoint()).isEqualTo("https://hooks.example.com");
        assertThat(new String(d.toJson())).doesNotContain("token");
        assertThat(client.readUntil(SCHEDULE.topicBefore(2), l -> false, Duration.ofSeconds(1)))
                .noneMatch(r -> s.id().equals(r.key()));
    }

    @Test
    void aPostbackAttemptRecordNamesTheTemplatesHostWhateverTheUrlSays() throws Exception {
        Subscription base = Fixtures.subscription("op-pb", "https://hooks.example.com/in");
        Subscription s = Subscription.builder(base.id(), "op-pb", "https://elsewhere.example:9443")
                .eventTypes(base.eventTypes()).enabled(true).secret(base.secret()).mode(Subscription.MODE_POSTBACK)
                .urlTemplate("https://tracker.example:8443/pb?cid={tracking.click_id}").build();
        Delivery d = Fixtures.delivery(s, "e-pb");

        writer.write(d, s, answered(200, null)).get(20, TimeUnit.SECONDS);

        assertThat(attemptOf(d).endpoint()).isEqualTo("https://tracker.example:8443");
    }

    @Test
    void retriableFailureSchedulesTheNextAttemptOnTheFirstDelayTopic() throws Exception {
        Subscription s = Fixtures.subscription("op-retry", "https://hooks.example.com/in");
        Delivery d = Fixtures.delivery(s, "e-retry");

        writer.write(d, s, answered(500, null)).get(20, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> retry = only("webhooks.retry.5s", s.id());
        Delivery next = Delivery.read(retry);
        assertThat(next.attempt()).isEqualTo(2);
        assertThat(next.dueAt()).isEqualTo(NOW_MS + 5_000);
        assertThat(next.firstAttemptAt()).isEqualTo(NOW_MS);
        assertThat(next.event()).isEqualTo(d.event());
        assertThat(KafkaTestClient.header(retry, "webhooks.attempt")).isEqualTo("2");
        assertThat(KafkaTestClient.header(retry, "webhooks.last-status")).isEqualTo("500");
        AttemptRecord attempt = attemptOf(d);
        assertThat(attempt.outcome()).isEqualTo(Outcome.RETRYING);
        assertThat(attempt.nextDueAt()).isEqualTo(NOW_MS + 5_000);
    }

    @Test
    void retryAfterPushesTheNextAttemptToALongerTier() throws Exception {
        Subscription s = Fixtures.subscription("op-429", "https://hooks.example.com/in");
        Delivery d = Fixtures.delivery(s, "e-429");

        writer.write(d, s, answered(429, "600")).get(20, TimeUnit.SECONDS);

        Delivery next = Delivery.read(only("webhooks.retry.5m", s.id()));
        assertThat(next.dueAt()).isEqualTo(NOW_MS + 600_000);
        assertThat(next.attempt()).isEqualTo(2);
    }

    @Test
    void retryAfterIsCappedAtTheLongestDelay() throws Exception {
        Subscription s = Fixtures.subscription("op-503", "https://hooks.example.com/in");
        Delivery d = Fixtures.delivery(s, "e-503");

        writer.write(d, s, answered(503, Long.toString(Duration.ofDays(3).toSeconds()))).get(20, TimeUnit.SECONDS);

        Delivery next = Delivery.read(only("webhooks.retry.1h", s.id()));
        assertThat(next.dueAt()).isEqualTo(NOW_MS + 3_600_000);
    }

    @Test
    void failureOfTheLastScheduledAttemptIsDeadLetteredAsExhausted() throws Exception {
        Subscription s = Fixtures.subscription("op-exhausted", "https://hooks.example.com/in");
        Delivery last = Fixtures.delivery(s, "e-exhausted").next(NOW_MS - 10_000, NOW_MS - 100)
                .next(NOW_MS - 10_000, NOW_MS - 100).next(NOW_MS - 10_000, NOW_MS - 100);
        assertThat(last.attempt()).isEqualTo(SCHEDULE.maxAttempts());

        writer.write(last, s, answered(502, null)).get(20, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> dead = only(Topics.DLQ, s.id());
        assertThat(KafkaTestClient.header(dead, "webhooks.dead-reason")).isEqualTo("exhausted");
        assertThat(KafkaTestClient.header(dead, "webhooks.attempt")).isEqualTo("4");
        assertThat(KafkaTestClient.header(dead, "webhooks.first-attempt-at")).isEqualTo(Long.toString(NOW_MS - 10_000));
        AttemptRecord attempt = attemptOf(last);
        assertThat(attempt.outcome()).isEqualTo(Outcome.DEAD);
        assertThat(attempt.deadReason()).isEqualTo("exhausted");
        assertThat(attempt.latenessMs()).isEqualTo(100);
    }

    @Test
    void goneDeadLettersAndDisablesTheSubscription() throws Exception {
        Subscription s = Fixtures.subscription("op-gone", "https://hooks.example.com/in");
        new SubscriptionPublisher(producer, catalog).put(s).get(20, TimeUnit.SECONDS);
        Delivery d = Fixtures.delivery(s, "e-gone");

        writer.write(d, s, answered(410, null)).get(20, TimeUnit.SECONDS);

        assertThat(KafkaTestClient.header(only(Topics.DLQ, s.id()), "webhooks.dead-reason")).isEqualTo("gone");
        List<ConsumerRecord<String, byte[]>> versions = client.readUntil(Topics.SUBSCRIPTIONS,
                l -> l.stream().filter(r -> s.id().equals(r.key())).count() >= 2, WAIT).stream()
                .filter(r -> s.id().equals(r.key())).toList();
        Subscription latest = Json.MAPPER.readValue(versions.get(versions.size() - 1).value(), Subscription.class);
        assertThat(latest.enabled()).isFalse();
        assertThat(latest.disabledReason()).isEqualTo("endpoint answered 410 Gone");
        assertThat(latest.secret()).isEqualTo(s.secret());
        assertThat(attemptOf(d).deadReason()).isEqualTo("gone");
    }

    @Test
    void goneNeverResurrectsADeletedSubscription() throws Exception {
        Subscription deleted = Fixtures.subscription("op-deleted", "https://hooks.example.com/in");
        Delivery d = Fixtures.delivery(deleted, "e-deleted");

        writer.write(d, deleted, answered(410, null)).get(20, TimeUnit.SECONDS);

        assertThat(KafkaTestClient.header(only(Topics.DLQ, deleted.id()), "webhooks.dead-reason")).isEqualTo("gone");
        assertThat(catalog.get(deleted.id())).isEmpty();
        assertThat(client.readUntil(Topics.SUBSCRIPTIONS, l -> false, Duration.ofSeconds(1)))
                .noneMatch(r -> deleted.id().equals(r.key()));
    }

    @Test
    void deadLetterWithoutAnAttemptKeepsTheReasonGiven() throws Exception {
        Subscription s = Fixtures.subscription("op-disabled", "https://hooks.example.com/in");

        writer.deadLetter(Fixtures.delivery(s, "e-disabled").next(NOW_MS, NOW_MS), 500, "HTTP 500",
                DeadReason.ENDPOINT_DISABLED).get(20, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> dead = only(Topics.DLQ, s.id());
        assertThat(KafkaTestClient.header(dead, "webhooks.dead-reason")).isEqualTo("endpoint-disabled");
        assertThat(Delivery.read(dead).attempt()).isEqualTo(2);
    }

    @Test
    void parkingWritesTheSameAttemptToTheShortestTierAndNoAttemptRecord() throws Exception {
        Subscription s = Fixtures.subscription("op-parked", "https://hooks.example.com/in");
        Delivery d = Fixtures.delivery(s, "e-parked");

        writer.park(d, NOW_MS + 1_000, 0, null, SubscriptionLimiter.Limit.MAX_IN_FLIGHT).get(20, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> parked = only("webhooks.retry.5s", s.id());
        Delivery waiting = Delivery.read(parked);
        assertThat(waiting.attempt()).isEqualTo(1);
        assertThat(waiting.dueAt()).isEqualTo(NOW_MS + 1_000);
        assertThat(waiting.firstAttemptAt()).isZero();
        assertThat(waiting.webhookId()).isEqualTo(d.webhookId());
        assertThat(waiting.event()).isEqualTo(d.event());
        assertThat(KafkaTestClient.header(parked, "webhook-id")).isEqualTo(d.webhookId());
        assertThat(KafkaTestClient.header(parked, "webhooks.subscription-id")).isEqualTo(s.id());
        assertThat(KafkaTestClient.header(parked, "webhooks.event-id")).isEqualTo("e-parked");
        assertThat(KafkaTestClient.header(parked, "webhooks.event-type")).isEqualTo("conversion.ftd");
        assertThat(KafkaTestClient.header(parked, "webhooks.attempt")).isEqualTo("1");
        assertThat(KafkaTestClient.header(parked, "webhooks.due-at")).isEqualTo(Long.toString(NOW_MS + 1_000));
        assertThat(KafkaTestClient.header(parked, "webhooks.first-attempt-at")).isEqualTo("0");
        assertThat(KafkaTestClient.header(parked, "webhooks.last-status")).isEqualTo("0");
        assertThat(KafkaTestClient.header(parked, "webhooks.last-error")).isEmpty();
        assertThat(KafkaTestClient.header(parked, "webhooks.park-reason")).isEqualTo("max_in_flight");
        assertThat(client.readUntil(Topics.ATTEMPTS, l -> false, Duration.ofSeconds(1)))
                .noneMatch(r -> d.webhookId().equals(r.key()));
    }

    @Test
    void aLaterAttemptIsParkedOnTheShortestTierWithItsLastStatusAndError() throws Exception {
        Subscription s = Fixtures.subscription("op-reparked", "https://hooks.example.com/in");
        Delivery third = Fixtures.delivery(s, "e-reparked").next(NOW_MS - 400_000, NOW_MS - 300_000)
                .next(NOW_MS - 400_000, NOW_MS);

        writer.park(third, NOW_MS + 200, 503, "HTTP 503", SubscriptionLimiter.Limit.RATE_LIMIT).get(20, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> parked = only("webhooks.retry.5s", s.id());
        Delivery waiting = Delivery.read(parked);
        assertThat(waiting.attempt()).isEqualTo(3);
        assertThat(waiting.dueAt()).isEqualTo(NOW_MS + 200);
        assertThat(waiting.firstAttemptAt()).isEqualTo(NOW_MS - 400_000);
        assertThat(KafkaTestClient.header(parked, "webhooks.last-status")).isEqualTo("503");
        assertThat(KafkaTestClient.header(parked, "webhooks.last-error")).isEqualTo("HTTP 503");
        assertThat(KafkaTestClient.header(parked, "webhooks.park-reason")).isEqualTo("rate_limit");
    }
}
