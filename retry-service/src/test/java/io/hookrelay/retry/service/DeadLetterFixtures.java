package io.hookrelay.retry.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter tests' real broker (one per JVM, with the pipeline's topics on a short schedule)
 * and builders for the letters they write to {@code webhooks.dlq} the way the services write them.
 */
final class DeadLetterFixtures {

    /** The schedule of these tests: redrives go to {@link #FIRST_TIER}. */
    static final String SCHEDULE = "1s,2s";
    static final String FIRST_TIER = "webhooks.retry.1s";
    static final int PARTITIONS = 3;

    private static EmbeddedKafka broker;
    private static KafkaTestClient kafka;

    private DeadLetterFixtures() {
    }

    /** The shared broker's address; starts it and creates the topics on first use. */
    static synchronized String bootstrap() {
        if (broker == null) {
            quietLogs();
            broker = EmbeddedKafka.startEphemeral();
            TopicProvisioner.ensure(broker.bootstrapServers(), PARTITIONS, RetrySchedule.parse(SCHEDULE));
            kafka = new KafkaTestClient(broker.bootstrapServers());
        }
        return broker.bootstrapServers();
    }

    static synchronized KafkaTestClient kafka() {
        bootstrap();
        return kafka;
    }

    /** A subscription id no other test uses, so each test reads only its own letters. */
    static String newSubscriptionId() {
        return "sub_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    static ObjectNode event(String operatorId, String eventId) {
        ObjectNode e = Json.object();
        e.put("event_id", eventId);
        e.put("event_type", "conversion.ftd");
        e.put("occurred_at", "2026-11-27T10:00:00Z");
        e.put("operator_id", operatorId);
        e.put("brand_id", "luckyspin");
        e.put("affiliate_id", "aff-7");
        e.put("player_ref", "p-93f1");
        e.put("transaction_id", "tx-" + eventId);
        e.put("amount", "125.50");
        e.put("currency", "EUR");
        return e;
    }

    /** A delivery as the last tier leaves it: attempt 3 was the last one made. */
    static Delivery exhaustedDelivery(String operatorId, String subscriptionId, String eventId, Instant firstAttemptAt) {
        return new Delivery(WebhookIds.of(operatorId, eventId, subscriptionId), subscriptionId,
                operatorId, eventId, "conversion.ftd", 3, firstAttemptAt.toEpochMilli(),
                firstAttemptAt.plusSeconds(3).toEpochMilli(), event(operatorId, eventId),
                new EventPosition(Topics.ACCEPTED, 0, 7));
    }

    /** Writes {@code d} to {@code webhooks.dlq} dead-lettered at {@code deadAt}, as the retry-service does. */
    static void deadLetter(Delivery d, DeadReason reason, int lastStatus, String lastError, Instant deadAt) {
        ProducerRecord<String, byte[]> r = d.toDeadLetterRecord(lastStatus, lastError, reason);
        send(new ProducerRecord<>(r.topic(), null, deadAt.toEpochMilli(), r.key(), r.value(), r.headers()));
    }

    /** Writes an unreadable letter: bytes kept as they were, reason {@code invalid}, keyed by the subscription. */
    static void unreadableLetter(String subscriptionId, byte[] value, Instant deadAt) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.DLQ, null, deadAt.toEpochMilli(), subscriptionId,
                value);
        r.headers().add(WireHeaders.DEAD_REASON, DeadReason.INVALID.wire().getBytes(StandardCharsets.UTF_8));
        r.headers().add(WireHeaders.LAST_ERROR, "the value is not a JSON delivery".getBytes(StandardCharsets.UTF_8));
        send(r);
    }

    private static void send(ProducerRecord<String, byte[]> r) {
        try {
            kafka().producer().send(r).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Writing to " + r.topic() + " failed", e);
        }
    }

    /** Every record of {@code topic} up to its end offsets now, keyed {@code key} (null: all). */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within 30 s");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))
                            && (key == null || key.equals(r.key()))) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    /** Without a logback-test.xml, logback logs everything at DEBUG; the broker's debug log drowns the tests'. */
    private static void quietLogs() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        for (String noisy : List.of("org.apache.kafka", "kafka", "state.change.logger", "org.eclipse.jetty", "io.javalin")) {
            ((Logger) LoggerFactory.getLogger(noisy)).setLevel(Level.WARN);
        }
    }
}
