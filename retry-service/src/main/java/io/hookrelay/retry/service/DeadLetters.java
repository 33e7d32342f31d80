package io.hookrelay.retry.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.AcknowledgedSends;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.retry.RetrySchedule;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The dead-letter topic as operators and ops see it: lists letters and redrives them, reading
 * {@code webhooks.dlq} itself (no side database, so nothing can drift from the topic).
 *
 * <p>Each call reads the partitions from {@code since} (found with {@code offsetsForTimes}) up to
 * the end offsets taken when the call started, so letters arriving meanwhile wait for the next
 * call. {@code until} filters on the record timestamp but does not end the read early: the
 * timestamps are set by the writers and need not grow with the offset. A call therefore costs one
 * read of the window; narrow it with {@code since} on a large topic.
 *
 * <p>Order: oldest first, by dead-letter time, then partition, then offset. Pages do not shift when
 * letters arrive, and {@code next_since} continues exactly: every letter left out is at or after it
 * (letters of that very millisecond already shown are shown again).
 *
 * <p>Redrive writes each matching letter's delivery to the first tier of the schedule as attempt 2
 * (the first retry), due at once, with its webhook id, event and first-attempt time unchanged.
 * Within one call a webhook is redriven at most once: positions are read once, and when a webhook
 * id has several letters only the newest is taken (so a redrive holds the newest letter of each
 * matching webhook of the window in memory). The retry record carries the letter's last status and
 * error as its headers. A later call redrives again, deliberately: each redrive starts a new attempt
 * chain under the same {@code webhook-id}, which receivers deduplicate. Redrive copies: the letters
 * stay on {@code webhooks.dlq}.
 */
public final class DeadLetters {

    /** Letters in the order lists and redrives take them: oldest first. */
    static final Comparator<DeadLetter> OLDEST_FIRST = Comparator.comparing(DeadLetter::deadAt)
            .thenComparingInt(DeadLetter::partition).thenComparingLong(DeadLetter::offset);

    /** The attempt number a redriven delivery starts again from: the first retry. */
    public static final int REDRIVE_ATTEMPT = RetrySchedule.FIRST_RETRY;

    /**
     * A safety net only: the producer's own {@code delivery.timeout.ms} fails an unacknowledged send
     * well before this.
     */
    private static final Duration ACK_TIMEOUT = Duration.ofMinutes(5);

    private final String bootstrap;
    private final RetrySchedule schedule;
    private final Clock clock;
    private final Duration stallTimeout;

    /**
     * @param stallTimeout how long a read of the topic may go without progress before it fails as unavailable
     */
    public DeadLetters(String bootstrap, RetrySchedule schedule, Clock clock, Duration stallTimeout) {
        this.bootstrap = bootstrap;
        this.schedule = schedule;
        this.clock = clock;
        this.stallTimeout = stallTimeout;
    }

    /** Kafka could not be read or did not acknowledge a write in time; the same call can be repeated. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One page of letters.
     *
     * @param hasMore   more letters match than the limit let through
     * @param nextSince when {@code hasMore}, the {@code since} that continues the list; else null
     */
    public record Page(List<DeadLetter> letters, boolean hasMore, Instant nextSince) {
    }

    /**
     * What a redrive did.
     *
     * @param redriven        letters written to {@code topic} and acknowledged by Kafka
     * @param skippedInvalid  matching letters whose value does not read as a delivery: never redriven
     * @param skippedOlder    matching letters left out because a newer letter of the same webhook id was taken
     * @param hasMore         more letters match than the limit let through
     * @param nextSince       when {@code hasMore}, the {@code since} that continues the redrive; else null
     */
    public record Redrive(int redriven, String topic, int skippedInvalid, int skippedOlder, boolean hasMore,
                          Instant nextSince) {
    }

    /** The oldest {@code query.limit()} matching letters. */
    public Page list(DeadLetterQuery query) {
        // Keeps the limit + 1 oldest seen so far: bounded memory whatever the size of the window.
        PriorityQueue<DeadLetter> newestOnTop = new PriorityQueue<>(OLDEST_FIRST.reversed());
        scan(query, letter -> {
            newestOnTop.add(letter);
            if (newestOnTop.size() > query.limit() + 1) {
                newestOnTop.poll();
            }
        });
        List<DeadLetter> sorted = new ArrayList<>(newestOnTop);
        sorted.sort(OLDEST_FIRST);
        return page(sorted, query.limit());
    }

    /**
     * Writes the matching letters' deliveries to the first tier and waits until Kafka acknowledged
     * every one of them.
     *
     * @param producer a durable producer (acks=all, idempotent)
     * @throws UnavailableException when the topic cannot be read, or some write was not acknowledged
     *                              (the others may have been: repeating the call is safe for receivers)
     */
    public Redrive redrive(DeadLetterQuery query, Producer<String, byte[]> producer) {
        Map<String, DeadLetter> newestByWebhook = new HashMap<>();
        int[] readable = {0};
        int[] invalid = {0};
        scan(query, letter -> {
            if (!letter.readable()) {
                invalid[0]++;
                return;
            }
            readable[0]++;
            newestByWebhook.merge(letter.webhookId(), letter, (a, b) -> OLDEST_FIRST.compare(a, b) > 0 ? a : b);
        });
        int older = readable[0] - newestByWebhook.size();
        List<DeadLetter> candidates = new ArrayList<>(newestByWebhook.values());
        candidates.sort(OLDEST_FIRST);
        Page page = page(candidates, query.limit());
        String topic = schedule.topicBefore(REDRIVE_ATTEMPT);
        long now = clock.millis();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (DeadLetter l : page.letters()) {
            records.add(l.delivery().again(REDRIVE_ATTEMPT, now).toRetryRecord(topic,
                    l.lastStatus() == null ? 0 : l.lastStatus(), l.lastError()));
        }
        AcknowledgedSends.Result sent;
        try {
            sent = AcknowledgedSends.sendAll(producer, records, ACK_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("Interrupted while waiting for Kafka to acknowledge the redrive", e);
        }
        int acknowledged = sent.count();
        if (sent.firstFailure() != null) {
            throw new UnavailableException("Kafka acknowledged " + acknowledged + " of " + page.letters().size()
                    + " redriven deliveries on " + topic + " (first failure: " + sent.firstFailure() + "); "
                    + "repeat the redrive: receivers deduplicate on webhook-id", null);
        }
        return new Redrive(acknowledged, topic, invalid[0], older, page.hasMore(), page.nextSince());
    }

    private static Page page(List<DeadLetter> oldestFirst, int limit) {
        if (oldestFirst.size() <= limit) {
            return new Page(List.copyOf(oldestFirst), false, null);
        }
        return new Page(List.copyOf(oldestFirst.subList(0, limit)), true, oldestFirst.get(limit).deadAt());
    }

    /** Hands every matching letter of the window to {@code sink}, in offset order per partition. */
    private void scan(DeadLetterQuery query, Consumer<DeadLetter> sink) {
        // Only what the writers committed, so the end offsets are the last stable ones.
        Properties p = KafkaClients.assignedReader(bootstrap, "hookrelay-dead-letters", stallTimeout, 2000);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(Topics.DLQ, stallTimeout);
            if (infos == null || infos.isEmpty()) {
                throw new UnavailableException("Topic " + Topics.DLQ + " does not exist on " + bootstrap
                        + "; the services create it at start", null);
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(Topics.DLQ, i.partition())).toList();
            Map<TopicPartition, Long> end = c.endOffsets(parts, stallTimeout);
            Map<TopicPartition, Long> start = new HashMap<>(c.beginningOffsets(parts, stallTimeout));
            if (query.since() != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                parts.forEach(tp -> at.put(tp, query.since().toEpochMilli()));
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : c.offsetsForTimes(at, stallTimeout).entrySet()) {
                    // Null: no record at or after since in that partition.
                    start.put(e.getKey(), e.getValue() == null ? end.get(e.getKey()) : e.getValue().offset());
                }
            }
            Set<TopicPartition> active = new HashSet<>();
            for (TopicPartition tp : parts) {
                if (start.get(tp) < end.get(tp)) {
                    active.add(tp);
                }
            }
            c.assign(active);
            active.forEach(tp -> c.seek(tp, start.get(tp)));
            long lastProgress = System.nanoTime();
            while (!active.isEmpty()) {
                boolean progressed = false;
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    progressed = true;
                    if (!active.contains(tp) || r.offset() >= end.get(tp)) {
                        continue;
                    }
                    DeadLetter letter = DeadLetter.of(r);
                    if (query.matches(letter)) {
                        sink.accept(letter);
                    }
                }
                List<TopicPartition> done = new ArrayList<>();
                for (TopicPartition tp : active) {
                    // The position passes transaction markers too, which poll never returns.
                    if (c.position(tp) >= end.get(tp)) {
                        done.add(tp);
                    }
                }
                if (!done.isEmpty()) {
                    progressed = true;
                    done.forEach(active::remove);
                    c.pause(done);
                }
                if (progressed) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                    throw new UnavailableException("Reading " + Topics.DLQ + " on " + bootstrap + " made no progress for "
                            + stallTimeout.toSeconds() + " s (partitions left: " + active + ")", null);
                }
            }
        } catch (KafkaException e) {
            throw new UnavailableException("Cannot read " + Topics.DLQ + " on " + bootstrap + ": " + e.getMessage(), e);
        }
    }
}
