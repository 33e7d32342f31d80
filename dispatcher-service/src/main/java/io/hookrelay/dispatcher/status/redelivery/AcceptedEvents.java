package io.hookrelay.dispatcher.status.redelivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads accepted events back from Kafka by their position: the event store behind resend and
 * recover, so the pipeline keeps no copy of its own. One call reads each partition once, oldest
 * position first, seeking only across gaps; nearby positions come in the same fetches.
 *
 * <p>A position Kafka no longer holds (retention deleted it) is reported as expired; one whose
 * record is not the canonical event it should be (the topic was recreated) as missing. Both are
 * left out of the answer, never guessed at.
 */
public final class AcceptedEvents {

    /** Positions closer than this to the consumer's next one are read through rather than sought. */
    private static final long READ_THROUGH = 500;

    private final String bootstrap;
    private final Duration stallTimeout;

    public AcceptedEvents(String bootstrap, Duration stallTimeout) {
        this.bootstrap = bootstrap;
        this.stallTimeout = stallTimeout;
    }

    /**
     * What a read found.
     *
     * @param events  the event at each position found
     * @param expired positions before the start of their partition: deleted by retention
     * @param missing positions with no readable event there (past the end, not JSON, another topic)
     */
    record Found(Map<EventPosition, ObjectNode> events, List<EventPosition> expired, List<EventPosition> missing) {
    }

    /** The events at {@code positions}. @throws KafkaUnavailable when Kafka cannot be read */
    Found read(Collection<EventPosition> positions) {
        Map<TopicPartition, TreeSet<Long>> wanted = new TreeMap<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (EventPosition p : positions) {
            wanted.computeIfAbsent(new TopicPartition(p.topic(), p.partition()), tp -> new TreeSet<>()).add(p.offset());
        }
        Map<EventPosition, ObjectNode> events = new HashMap<>();
        List<EventPosition> expired = new ArrayList<>();
        List<EventPosition> missing = new ArrayList<>();
        if (wanted.isEmpty()) {
            return new Found(events, expired, missing);
        }
        // Only committed events: the dispatcher never saw any other, so their positions are below the stable end.
        Properties p = KafkaClients.assignedReader(bootstrap, "hookrelay-accepted-events", stallTimeout, 500);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> start = c.beginningOffsets(wanted.keySet(), stallTimeout);
            Map<TopicPartition, Long> end = c.endOffsets(wanted.keySet(), stallTimeout);
            for (Map.Entry<TopicPartition, TreeSet<Long>> w : wanted.entrySet()) {
                TopicPartition tp = w.getKey();
                TreeSet<Long> remaining = w.getValue();
                Long first = start.get(tp);
                Long last = end.get(tp);
                if (first == null || last == null) {
                    remaining.forEach(o -> missing.add(position(tp, o)));
                    continue;
                }
                remaining.headSet(first).forEach(o -> expired.add(position(tp, o)));
                remaining.tailSet(last).forEach(o -> missing.add(position(tp, o)));
                TreeSet<Long> toRead = new TreeSet<>(remaining.subSet(first, last));
                readPartition(c, tp, toRead, events, missing);
            }
        } catch (KafkaException e) {
            throw new KafkaUnavailable("Cannot read events back from " + wanted.keySet() + " on " + bootstrap
                    + ": " + e.getMessage(), e);
        }
        return new Found(events, expired, missing);
    }

    private void readPartition(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, TreeSet<Long> remaining,
                               Map<EventPosition, ObjectNode> events, List<EventPosition> missing) {
        c.assign(List.of(tp));
        long lastProgress = System.nanoTime();
        boolean sought = false;
        while (!remaining.isEmpty()) {
            long next = remaining.first();
            long at = sought ? c.position(tp, stallTimeout) : Long.MIN_VALUE;
            if (!sought || next < at || next - at > READ_THROUGH) {
                c.seek(tp, next);
                sought = true;
            }
            long highest = -1;
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                highest = Math.max(highest, r.offset());
                if (remaining.remove(r.offset())) {
                    ObjectNode event = parse(r.value());
                    if (event == null) {
                        missing.add(position(tp, r.offset()));
                    } else {
                        events.put(position(tp, r.offset()), event);
                    }
                }
            }
            // Offsets passed without a record (transaction markers, aborted writes) hold no event.
            long passed = Math.max(highest + 1, c.position(tp, stallTimeout));
            for (Long o : List.copyOf(remaining.headSet(passed))) {
                remaining.remove(o);
                missing.add(position(tp, o));
            }
            if (highest >= 0 || passed > next) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                throw new KafkaUnavailable("Reading " + tp + " on " + bootstrap + " made no progress for "
                        + stallTimeout.toSeconds() + " s", null);
            }
        }
    }

    private static ObjectNode parse(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode n = Json.tree(value);
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static EventPosition position(TopicPartition tp, long offset) {
        return new EventPosition(tp.topic(), tp.partition(), offset);
    }
}
