package io.hookrelay.subscription;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.Recoveries;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service's in-memory view of the compacted {@code webhooks.subscriptions} topic. It reads
 * the whole topic at start (so a restart rebuilds the view from Kafka, the only source of truth)
 * and then follows it, applying creates, changes and tombstones within a poll interval (100 ms).
 * It uses no consumer group: every instance reads every partition.
 */
public final class SubscriptionCatalog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionCatalog.class);

    private final Map<String, Subscription> byId = new ConcurrentHashMap<>();
    private volatile Map<String, List<Subscription>> byOperator = Map.of();
    private final Properties consumerProps;
    private final Recoveries recoveries;
    /** Where the view has read to, per partition: a rebuilt consumer goes on from here. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Map<TopicPartition, Long> endAtStart;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final List<BiConsumer<String, Subscription>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean connected;

    public SubscriptionCatalog(String bootstrapServers, String clientId) {
        this(bootstrapServers, clientId, new Recoveries(new SimpleMeterRegistry()));
    }

    /** @param recoveries where the rebuilds of its consumer after a failure are counted */
    public SubscriptionCatalog(String bootstrapServers, String clientId, Recoveries recoveries) {
        this.recoveries = recoveries;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumerProps = p;
        this.thread = new Thread(this::run, clientId);
        this.thread.setDaemon(true);
    }

    /** Starts following the topic; returns at once. */
    public SubscriptionCatalog start() {
        thread.start();
        return this;
    }

    /** Waits until the view holds everything the topic held when the catalog started. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Whether the last poll reached the broker. */
    public boolean isConnected() {
        return connected && isCaughtUp();
    }

    public Optional<Subscription> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<Subscription> all() {
        return byId.values();
    }

    public List<Subscription> forOperator(String operatorId) {
        return byOperator.getOrDefault(operatorId, List.of());
    }

    /** The enabled subscriptions that receive {@code event}. */
    public List<Subscription> matching(JsonNode event) {
        JsonNode op = event.get("operator_id");
        if (op == null) {
            return List.of();
        }
        List<Subscription> out = new ArrayList<>(2);
        for (Subscription s : forOperator(op.asText())) {
            if (s.matches(event)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Called with (id, subscription or null for deleted) on every change the catalog applies. */
    public void onChange(BiConsumer<String, Subscription> listener) {
        listeners.add(listener);
    }

    /**
     * Applies a change this process has just written and Kafka has acknowledged, so that a read
     * right after a write sees it. The topic delivers the same change again later; applying it
     * twice is harmless.
     */
    public void apply(String id, Subscription value) {
        Subscription before = value == null ? byId.remove(id) : byId.put(id, value);
        if (before == null && value == null) {
            return;
        }
        reindex();
        for (BiConsumer<String, Subscription> l : listeners) {
            l.accept(id, value);
        }
    }

    private void reindex() {
        Map<String, List<Subscription>> index = new ConcurrentHashMap<>();
        for (Subscription s : byId.values()) {
            index.computeIfAbsent(s.operatorId(), k -> new ArrayList<>()).add(s);
        }
        byOperator = index;
    }

    /** The name of the catalog's consumer in recovery meters and log lines. */
    public static final String COMPONENT = "subscription-catalog";

    private void run() {
        // A consumer that fails is closed and built again, and goes on from where the view had read
        // to: the view is kept meanwhile (stale at worst, never empty).
        recoveries.keepRunning(COMPONENT, running::get, this::follow, () -> connected = false);
    }

    /** One consumer's life: assign, seek, follow the topic until closed. */
    private void follow() {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer = c;
        try {
            if (!running.get()) {
                return;
            }
            List<TopicPartition> partitions = partitions(c);
            c.assign(partitions);
            for (TopicPartition tp : partitions) {
                Long at = positions.get(tp);
                if (at == null) {
                    c.seekToBeginning(List.of(tp));
                } else {
                    c.seek(tp, at);
                }
            }
            if (endAtStart == null) {
                endAtStart = c.endOffsets(partitions);
            }
            connected = true;
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    applyRecord(r);
                    positions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                }
                // An empty poll looks the same whether the broker is idle or gone; the connection count tells.
                connected = io.hookrelay.kafka.KafkaClients.connected(c.metrics());
                if (caughtUp.getCount() > 0 && endAtStart.entrySet().stream()
                        .allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    log.info("Subscription catalog loaded: {} subscriptions", byId.size());
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            c.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        while (running.get()) {
            List<PartitionInfo> infos = c.partitionsFor(Topics.SUBSCRIPTIONS, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            log.warn("Topic {} does not exist yet; waiting for it", Topics.SUBSCRIPTIONS);
            sleep(1000);
        }
        throw new WakeupException();
    }

    private void applyRecord(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            log.warn("Ignoring a {} record without a key at partition {} offset {}", r.topic(), r.partition(), r.offset());
            return;
        }
        if (r.value() == null) {
            apply(r.key(), null);
            return;
        }
        try {
            apply(r.key(), Json.MAPPER.readValue(r.value(), Subscription.class));
        } catch (IOException e) {
            log.warn("Ignoring an unreadable subscription {} at partition {} offset {}: {}", r.key(), r.partition(),
                    r.offset(), e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
