package io.hookrelay.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The client settings every service uses, in one place. */
public final class KafkaClients {

    private KafkaClients() {
    }

    /**
     * A producer that never loses or reorders an acknowledged write: idempotent, acks=all.
     * Sends fail after {@code deliveryTimeoutMs} when the cluster cannot take them.
     */
    public static KafkaProducer<String, byte[]> durableProducer(String bootstrap, String clientId, int deliveryTimeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // No compression: our records are small JSON in small batches (5 ms linger), where a codec
        // saves little and costs much; lz4 allocated two 64 KB buffers per batch, most of the
        // dispatcher's garbage at a few thousand deliveries a second. A topic's own
        // compression.type can still compress at rest.
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(deliveryTimeoutMs));
        // Kafka refuses delivery.timeout.ms < linger.ms + request.timeout.ms (5 ms linger above).
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(deliveryTimeoutMs - 5, 30_000)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(Math.min(deliveryTimeoutMs, 10_000)));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A {@link #durableProducer} for a long-running service, rebuilt when it breaks for good
     * ({@link HealingProducer}), each rebuild counted under {@code component}.
     */
    public static HealingProducer healingProducer(String bootstrap, String clientId, int deliveryTimeoutMs,
                                                  String component, Recoveries recoveries) {
        return new HealingProducer(component, () -> durableProducer(bootstrap, clientId, deliveryTimeoutMs), recoveries);
    }

    /** Consumer settings for a group that commits by hand and reads only committed transactional output. */
    public static Properties manualCommitConsumer(String bootstrap, String groupId, String clientId) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(groupMembership());
        return p;
    }

    /**
     * How fast a group notices a member that died without leaving (SIGKILL, a machine lost): 10 s
     * instead of the client default of 45 s, so a restarted or surviving instance takes the dead
     * one's partitions over within seconds; heartbeats come from the client's own thread, so a busy
     * poll loop does not miss them. Streams apps take the same through {@code consumer.} prefixed keys.
     */
    public static Map<String, String> groupMembership() {
        return Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    }

    /**
     * Settings of a consumer without a group that reads partitions it is assigned, up to ends it
     * took itself (the dead-letter API, resend and recover): only committed records, never an
     * offset commit, and from what is left when retention deleted the start meanwhile.
     *
     * @param stallTimeout how long one client call may wait for the cluster
     */
    public static Properties assignedReader(String bootstrap, String clientId, Duration stallTimeout,
                                            int maxPollRecords) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(stallTimeout.toMillis()));
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(stallTimeout.toMillis(), 30_000)));
        return p;
    }

    /**
     * Whether a producer or consumer holds a connection to a broker, from its own
     * {@code connection-count} metric (pass {@code client.metrics()}). A client keeps one while the
     * cluster is up (its metadata refresh, every 5 min, is shorter than the 9 min idle timeout) and
     * none while it is down, so this tells an idle healthy client from one cut off from Kafka.
     */
    public static boolean connected(Map<MetricName, ? extends Metric> metrics) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            String group = e.getKey().group();
            if (e.getKey().name().equals("connection-count")
                    && (group.equals("producer-metrics") || group.equals("consumer-metrics"))
                    && e.getValue().metricValue() instanceof Double d && d > 0) {
                return true;
            }
        }
        return false;
    }
}
