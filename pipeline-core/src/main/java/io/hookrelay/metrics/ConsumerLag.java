package io.hookrelay.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hookrelay_consumer_lag{group,topic,partition}}: for every partition of a consumer group's
 * topics, the records between the group's committed offset and the partition's end, as Kafka's own
 * {@code kafka-consumer-groups --describe} computes it. Refreshed every {@link #REFRESH} by an admin
 * client on its own daemon thread, so the consumer's poll thread never waits for it.
 *
 * <p>The end is the last stable offset (read_committed, as the services consume), so a topic written
 * in transactions shows 0 when everything is consumed. A partition the group never committed counts
 * from its first offset ({@code auto.offset.reset=earliest}). Every instance of a group reports the
 * whole group, so aggregate with {@code max by (group, topic, partition)}. While Kafka cannot be
 * reached the gauges keep their last values; {@code /health} says 503 meanwhile.
 */
public final class ConsumerLag implements AutoCloseable {

    /** How often the lag is computed: three admin requests, cheap at this rate. */
    public static final Duration REFRESH = Duration.ofSeconds(5);
    private static final long REQUEST_TIMEOUT_MS = 5_000;
    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);

    private final String group;
    private final List<String> topics;
    private final MeterRegistry registry;
    private final Admin admin;
    private final ScheduledExecutorService refresher;
    private final Map<TopicPartition, AtomicLong> lags = new ConcurrentHashMap<>();
    private final Map<TopicPartition, AtomicLong> openTransactions = new ConcurrentHashMap<>();

    private ConsumerLag(String bootstrap, String group, Collection<String> topics, String clientId, MeterRegistry registry) {
        this.group = group;
        this.topics = List.copyOf(topics);
        this.registry = registry;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT_MS));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(2 * REQUEST_TIMEOUT_MS));
        this.admin = Admin.create(p);
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, clientId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts measuring {@code group}'s lag on {@code topics} into {@code registry}; the first values
     * appear within a few seconds.
     *
     * @param clientId the admin client's {@code client.id}, also its thread's name
     */
    public static ConsumerLag start(String bootstrap, String group, Collection<String> topics, String clientId,
                                    MeterRegistry registry) {
        ConsumerLag lag = new ConsumerLag(bootstrap, group, topics, clientId, registry);
        lag.refresher.scheduleWithFixedDelay(lag::refreshQuietly, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        return lag;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // Kafka unreachable or the topics not there yet: /health reports the former, the next
            // refresh catches up with the latter.
            log.debug("Could not compute the lag of consumer group {}: {}", group, e.toString());
        }
    }

    private void refresh() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                .get(2 * REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        described.values().forEach(d -> d.partitions()
                .forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(2 * REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResultInfo> written = offsets(partitions, OffsetSpec.latest(),
                IsolationLevel.READ_UNCOMMITTED);
        List<TopicPartition> neverCommitted = partitions.stream()
                .filter(tp -> committed.get(tp) == null).toList();
        Map<TopicPartition, ListOffsetsResultInfo> starts = neverCommitted.isEmpty() ? Map.of()
                : offsets(neverCommitted, OffsetSpec.earliest());
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            long from = c != null ? c.offset() : starts.get(tp).offset();
            gauge(tp).set(Math.max(0, ends.get(tp).offset() - from));
            openTransactionGauge(tp).set(Math.max(0, written.get(tp).offset() - ends.get(tp).offset()));
        }
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        return offsets(partitions, spec, IsolationLevel.READ_COMMITTED);
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec,
                                                               IsolationLevel isolation)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        return admin.listOffsets(request, new ListOffsetsOptions(isolation)).all()
                .get(2 * REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private AtomicLong gauge(TopicPartition tp) {
        return gauge(lags, "hookrelay.consumer.lag",
                "Records between the consumer group's committed offset and the end of the partition", tp);
    }

    /**
     * {@code hookrelay_open_transaction_records}: records written to the partition but not yet
     * readable by the group (high watermark minus last stable offset), because a transaction that
     * wrote them, or wrote before them, is still open. A commit every few milliseconds keeps it near
     * zero; a value that stays up beyond the transaction timeout is a hanging transaction, which
     * holds every later record back from read_committed consumers and shows in no lag.
     */
    private AtomicLong openTransactionGauge(TopicPartition tp) {
        return gauge(openTransactions, "hookrelay.open.transaction.records",
                "Records written but held back from read_committed consumers by an open transaction", tp);
    }

    private AtomicLong gauge(Map<TopicPartition, AtomicLong> gauges, String name, String description, TopicPartition tp) {
        return gauges.computeIfAbsent(tp, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get)
                    .description(description)
                    .tag("group", group)
                    .tag("topic", k.topic())
                    .tag("partition", Integer.toString(k.partition()))
                    .strongReference(true)
                    .register(registry);
            return value;
        });
    }

    /** Stops refreshing and closes the admin client; the gauges keep their last values. */
    @Override
    public void close() {
        refresher.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
