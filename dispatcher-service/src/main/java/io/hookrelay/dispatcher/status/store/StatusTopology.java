package io.hookrelay.dispatcher.status.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.hookrelay.contract.Topics;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The status topology: {@code webhooks.attempts} and {@code webhooks.dlq}, read into
 * {@link StatusInput}s and kept by {@link StatusProcessor} in three stores; alerts and disabled
 * subscriptions go out to their topics.
 * <pre>
 * webhooks.attempts ─▶ read ─┐                ┌─ in its subscription's partition ─────────────────────┬─▶ status
 * webhooks.dlq ──────▶ read ─┴─▶ inputs ─▶ ──┴─ elsewhere ─▶ repartition by subscription id ─────────┘
 * </pre>
 *
 * <p>Everything is partitioned by subscription id: one task holds a subscription's deliveries,
 * index and health together, so a query needs only the subscription id to find the instance to ask
 * (for an event, its webhook ids are derived from the operator's subscriptions). The attempt writer
 * places each attempt in its subscription id's partition (keeping the webhook id as key), and dead
 * letters are keyed by subscription id, so both arrive where they belong and are kept in the
 * task that read them: no repartition topic, no second copy of every attempt on Kafka. A record
 * found elsewhere (written by a version before issue 12, or by another writer) goes through the
 * {@code hookrelay-status-by-subscription-repartition} topic to its partition first; the topic
 * keeps its name so what an older version left in it is still read after an upgrade.
 *
 * <p>Store names are wire names: they name the changelog topics
 * ({@code hookrelay-status-<store>-changelog}) the stores are rebuilt from.
 */
public final class StatusTopology {

    /** {@code sub␀webhook} → {@link DeliveryStatus}. */
    public static final String DELIVERIES = "deliveries";
    /** {@code sub␀createdAt␀webhook} → state: the subscription's deliveries in time order. */
    public static final String RECENT = "recent-deliveries";
    /** subscription id → {@link SubscriptionHealth}. */
    public static final String HEALTH = "subscription-health";
    static final String BY_SUBSCRIPTION = "by-subscription";

    /**
     * Changelog records are also deleted by time, a day after the retention: the stores expire
     * entries before then (deliveries a retention after their first attempt, health a retention
     * after its last activity), so this only bounds the changelogs in case housekeeping falls behind.
     */
    static final Duration CHANGELOG_GRACE = Duration.ofDays(1);

    private StatusTopology() {
    }

    /** @param partitions {@code WEBHOOKS_PARTITIONS}: the repartition topic's, which subscription ids map to */
    static Topology build(StatusSettings settings, Clock clock, SubscriptionCatalog catalog, int partitions) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<String, StatusInputReader.Placed> attempts = b
                .stream(Topics.ATTEMPTS, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("attempts"))
                .process(() -> new StatusInputReader.Attempts(partitions), Named.as("read-attempts"));
        KStream<String, StatusInputReader.Placed> deadLetters = b
                .stream(Topics.DLQ, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letters"))
                .process(() -> new StatusInputReader.DeadLetters(partitions), Named.as("read-dead-letters"));
        Map<String, KStream<String, StatusInputReader.Placed>> where = attempts.merge(deadLetters, Named.as("inputs"))
                .split(Named.as("inputs-"))
                .branch((subscriptionId, placed) -> placed.inPlace(), Branched.as("in-place"))
                .defaultBranch(Branched.as("elsewhere"));
        KStream<String, StatusInput> moved = where.get("inputs-elsewhere")
                .mapValues(StatusInputReader.Placed::input, Named.as("moved-input"))
                .repartition(Repartitioned.<String, StatusInput>as(BY_SUBSCRIPTION)
                        .withKeySerde(Serdes.String()).withValueSerde(StatusInput.SERDE).withNumberOfPartitions(partitions));
        where.get("inputs-in-place").mapValues(StatusInputReader.Placed::input, Named.as("in-place-input"))
                .merge(moved, Named.as("in-its-partition"))
                .process(new Supplier(settings, clock, catalog), Named.as("status"))
                .to((key, value, context) -> value.topic(), Produced.with(Serdes.String(), Outbound.SERDE)
                        .withName("outputs"));
        return b.build();
    }

    /** Makes one processor per task and declares the stores it uses. */
    private record Supplier(StatusSettings settings, Clock clock, SubscriptionCatalog catalog)
            implements ProcessorSupplier<String, StatusInput, String, Outbound> {

        @Override
        public Processor<String, StatusInput, String, Outbound> get() {
            return new StatusProcessor(settings, clock, catalog);
        }

        @Override
        public Set<StoreBuilder<?>> stores() {
            Map<String, String> changelog = Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + ","
                            + TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.retention().plus(CHANGELOG_GRACE).toMillis()));
            return Set.of(
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DELIVERIES), Serdes.String(),
                            DeliveryStatus.SERDE).withLoggingEnabled(changelog),
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RECENT), Serdes.String(),
                            Serdes.String()).withLoggingEnabled(changelog),
                    // Cached: a busy subscription's aggregate is rewritten on every attempt; the cache
                    // sends it to RocksDB and the changelog once per commit instead.
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEALTH), Serdes.String(),
                            SubscriptionHealth.SERDE).withLoggingEnabled(changelog).withCachingEnabled());
        }
    }
}
