package io.hookrelay.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where lost events got to: reads a topic from the start to its end and tells which of some event
 * ids occur in its values. Tells a loss in ingest (on {@code events.conversion}, never on
 * {@code webhooks.accepted}) from one in delivery (on {@code webhooks.accepted}, never delivered).
 */
final class TopicProbe {

    private TopicProbe() {
    }

    /** The ids of {@code ids} found in {@code topic}'s values, read at {@code isolation} (read_committed or read_uncommitted). */
    static Set<String> find(String bootstrap, String topic, String isolation, Collection<String> ids) {
        Set<String> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline && !reached(c, end)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        continue;
                    }
                    String v = new String(r.value(), StandardCharsets.ISO_8859_1);
                    for (String id : ids) {
                        if (v.contains(id)) {
                            found.add(id);
                        }
                    }
                }
            }
        }
        return found;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** For lost ids: how many are on the input topic and how many made it to webhooks.accepted (committed, and at all). */
    static Map<String, Object> locate(String bootstrap, Collection<String> lost) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (lost.isEmpty()) {
            return out;
        }
        try {
            out.put("lost_on_events_conversion", find(bootstrap, "events.conversion", "read_uncommitted", lost).size());
            out.put("lost_on_webhooks_accepted_committed", find(bootstrap, "webhooks.accepted", "read_committed", lost).size());
            out.put("lost_on_webhooks_accepted_uncommitted", find(bootstrap, "webhooks.accepted", "read_uncommitted", lost).size());
        } catch (RuntimeException e) {
            out.put("lost_location_error", e.toString());
        }
        return out;
    }
}
