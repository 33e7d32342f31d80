package io.hookrelay.dispatcher.status.redelivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.testing.KafkaTestClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reading events back from {@code webhooks.accepted} and writing them to the first retry tier, with
 * a real broker: what lands on the tier is the delivery as it was (webhook id, event, first attempt,
 * position), and what cannot be read back is skipped with its reason, never sent.
 */
class RedeliveriesTest {

    private static final RetrySchedule SCHEDULE = RetrySchedule.parse("2s,1m");
    private static final String TIER = RetrySchedule.topicFor(Duration.ofSeconds(2));
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final String OPERATOR = "op-redeliver";

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static KafkaProducer<String, byte[]> producer;
    private static Redeliveries redeliveries;
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startEphemeral();
        TopicProvisioner.ensure(kafka.bootstrapServers(), 2, SCHEDULE);
        client = new KafkaTestClient(kafka.bootstrapServers());
        producer = KafkaClients.durableProducer(kafka.bootstrapServers(), "test-redeliveries", 30_000);
        redeliveries = new Redeliveries(new AcceptedEvents(kafka.bootstrapServers(), Duration.ofSeconds(15)), producer,
                SCHEDULE, Clock.fixed(NOW, ZoneOffset.UTC), METERS);
    }

    @AfterAll
    static void stop() {
        redeliveries.close();
        producer.close();
        client.close();
        kafka.close();
    }

    @Test
    void aDeliveryIsWrittenToTheFirstTierWithItsWebhookIdEventFirstAttemptAndPosition() throws Exception {
        EventPosition at = accept(event("ev-1"), 0);
        DeliveryStatus d = delivery("ev-1", "sub_a", at, 1_700_000_000_000L);

        Redeliveries.Outcome o = redeliveries.redeliver(Redeliveries.Request.RESEND, List.of(d));

        assertThat(o.queued()).containsExactly(d);
        assertThat(o.skippedTotal()).isZero();
        assertThat(METERS.get("hookrelay.redeliveries").tag("request", "resend").counter().count()).isEqualTo(1.0);
        ConsumerRecord<String, byte[]> r = onTier(d.webhookId());
        Delivery written = Delivery.read(r);
        assertThat(written.webhookId()).isEqualTo(WebhookIds.of(OPERATOR, "ev-1", "sub_a"));
        assertThat(written.attempt()).isEqualTo(RetrySchedule.FIRST_RETRY);
        assertThat(written.dueAt()).isEqualTo(NOW.toEpochMilli());
        assertThat(written.firstAttemptAt()).isEqualTo(1_700_000_000_000L);
        assertThat(written.event()).isEqualTo(event("ev-1"));
        assertThat(written.eventPosition()).isEqualTo(at);
        assertThat(r.key()).isEqualTo("sub_a");
        assertThat(KafkaTestClient.header(r, WireHeaders.LAST_STATUS)).isEqualTo("500");
    }

    @Test
    void eventsThatCannotBeReadBackAreSkippedByReasonAndNeverSent() throws Exception {
        EventPosition deleted = accept(event("ev-old"), 1);
        EventPosition kept = accept(event("ev-kept"), 1);
        EventPosition other = accept(event("ev-other"), 1);
        // Retention, played by hand: the partition now starts after ev-old.
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.deleteRecords(Map.of(new TopicPartition(Topics.ACCEPTED, 1), RecordsToDelete.beforeOffset(kept.offset())))
                    .all().get(30, TimeUnit.SECONDS);
        }
        DeliveryStatus expired = delivery("ev-old", "sub_b", deleted, 1L);
        DeliveryStatus unknown = delivery("ev-unknown", "sub_b", null, 1L);
        DeliveryStatus wrongEvent = delivery("ev-not-there", "sub_b", other, 1L);
        DeliveryStatus pastTheEnd = delivery("ev-future", "sub_b",
                new EventPosition(Topics.ACCEPTED, 1, other.offset() + 1000), 1L);
        DeliveryStatus fine = delivery("ev-kept", "sub_b", kept, 1L);

        Redeliveries.Outcome o = redeliveries.redeliver(Redeliveries.Request.RECOVER,
                List.of(expired, unknown, wrongEvent, pastTheEnd, fine));

        assertThat(o.queued()).containsExactly(fine);
        assertThat(o.skippedView()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "event_expired", 1, "event_position_unknown", 1, "event_missing", 2));
        // Counted for alerting too, by reason (the meters are cumulative over this class's tests).
        assertThat(METERS.get("hookrelay.redeliveries.skipped").tag("reason", "event_missing").counter().count())
                .isGreaterThanOrEqualTo(2.0);
        assertThat(METERS.get("hookrelay.redeliveries.skipped").tag("reason", "event_expired").counter().count())
                .isGreaterThanOrEqualTo(1.0);
        assertThat(onTier(fine.webhookId())).isNotNull();
        List<ConsumerRecord<String, byte[]>> all = client.readUntil(TIER, l -> l.stream()
                .anyMatch(r -> r.key().equals("sub_b")), Duration.ofSeconds(30));
        assertThat(all).filteredOn(r -> r.key().equals("sub_b"))
                .extracting(r -> KafkaTestClient.header(r, WireHeaders.WEBHOOK_ID)).containsExactly(fine.webhookId());
    }

    @Test
    void aBackgroundRedeliveryWritesEveryDeliveryAfterTheCallHasReturned() throws Exception {
        EventPosition a = accept(event("bg-1"), 0);
        EventPosition b = accept(event("bg-2"), 1);
        DeliveryStatus first = delivery("bg-1", "sub_c", a, 1L);
        DeliveryStatus second = delivery("bg-2", "sub_c", b, 1L);

        redeliveries.redeliverLater(Redeliveries.Request.RECOVER, "test", List.of(first, second));

        assertThat(onTier(first.webhookId())).isNotNull();
        assertThat(onTier(second.webhookId())).isNotNull();
    }

    private static ObjectNode event(String eventId) {
        return Json.object().put("event_id", eventId).put("event_type", "conversion.ftd")
                .put("occurred_at", "2026-11-27T10:15:30Z").put("operator_id", OPERATOR).put("player_ref", "p-1")
                .put("transaction_id", "tx-" + eventId).put("amount", "10.00").put("currency", "EUR");
    }

    /** Writes {@code event} to {@code webhooks.accepted} as ingest does, and says where it went. */
    private static EventPosition accept(ObjectNode event, int partition) throws Exception {
        RecordMetadata m = producer.send(new ProducerRecord<>(Topics.ACCEPTED, partition, "p-1", Json.bytes(event)))
                .get(30, TimeUnit.SECONDS);
        return new EventPosition(m.topic(), m.partition(), m.offset());
    }

    private static DeliveryStatus delivery(String eventId, String subscriptionId, EventPosition at, long createdAt) {
        DeliveryStatus.Attempt last = new DeliveryStatus.Attempt(1, createdAt, createdAt, 0, 500, 12, "HTTP 500", "");
        return new DeliveryStatus(WebhookIds.of(OPERATOR, eventId, subscriptionId), subscriptionId, OPERATOR, eventId,
                "conversion.ftd", createdAt, "dead", createdAt, null, "exhausted", 1, List.of(last), at);
    }

    private static ConsumerRecord<String, byte[]> onTier(String webhookId) {
        return client.readUntil(TIER, l -> l.stream().anyMatch(r -> webhookId.equals(KafkaTestClient.header(r,
                        WireHeaders.WEBHOOK_ID))), Duration.ofSeconds(30)).stream()
                .filter(r -> webhookId.equals(KafkaTestClient.header(r, WireHeaders.WEBHOOK_ID))).findFirst().orElseThrow();
    }
}
