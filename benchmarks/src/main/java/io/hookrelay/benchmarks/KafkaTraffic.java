package io.hookrelay.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What the broker holds per topic, internal ones included ({@code __consumer_offsets},
 * {@code __transaction_state}, Streams' repartition and changelog topics): records as the sum of
 * the partitions' end offsets (which counts transaction markers too: each is a record the broker
 * writes and replicates) and bytes as the log size on disk ({@code describeLogDirs}). Two snapshots
 * around a scenario's measured part give what it wrote; nothing is deleted or compacted in a few
 * minutes at the topics' settings, so the difference is what was written.
 */
final class KafkaTraffic {

    /** Records and bytes per topic at one moment. */
    record Snapshot(Map<String, Long> records, Map<String, Long> bytes) {

        /** What was written from {@code before} to this one, per topic, largest first in bytes. */
        Written since(Snapshot before) {
            Map<String, Long> r = new TreeMap<>();
            Map<String, Long> b = new TreeMap<>();
            records.forEach((t, n) -> r.put(t, n - before.records.getOrDefault(t, 0L)));
            bytes.forEach((t, n) -> b.put(t, n - before.bytes.getOrDefault(t, 0L)));
            return new Written(r, b);
        }
    }

    /** Records and bytes written per topic over a span. */
    record Written(Map<String, Long> records, Map<String, Long> bytes) {

        long records(String exceptTopic) {
            return records.entrySet().stream().filter(e -> !e.getKey().equals(exceptTopic)).mapToLong(Map.Entry::getValue).sum();
        }

        long bytes(String exceptTopic) {
            return bytes.entrySet().stream().filter(e -> !e.getKey().equals(exceptTopic)).mapToLong(Map.Entry::getValue).sum();
        }
    }

    private KafkaTraffic() {
    }

    static Snapshot snapshot(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<String> topics = new ArrayList<>(admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(30, TimeUnit.SECONDS));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(i -> latest.put(new TopicPartition(d.name(), i.partition()), OffsetSpec.latest()));
            }
            Map<String, Long> records = new TreeMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> records.merge(tp.topic(), info.offset(), Long::sum));
            Map<String, Long> bytes = new TreeMap<>();
            List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(n -> n.id()).toList();
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get(30, TimeUnit.SECONDS).values()) {
                for (LogDirDescription dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                        bytes.merge(e.getKey().topic(), e.getValue().size(), Long::sum);
                    }
                }
            }
            return new Snapshot(records, bytes);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the broker's topics, offsets and log sizes at " + bootstrap, e);
        }
    }
}
