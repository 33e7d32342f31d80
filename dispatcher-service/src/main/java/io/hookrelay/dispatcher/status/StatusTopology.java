package io.hookrelay.dispatcher.status;

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
 * {@link StatusInput}s, repartitioned by subscription id (topic
 * {@code hookrelay-status-by-subscription-repartition}), then kept by {@link StatusProcessor} in three
 * stores; alerts and disabled subscriptions go out to their topics.
 *
 * <p>Everything is keyed, and partitioned, by subscription id: one task holds a subscription's
 * deliveries, index and health together, so a query needs only the subscription id to find the
 * instance to ask (for an event, its webhook ids are derived from the operator's subscriptions).
 *
 * <p>Store names are wire names: they name the changelog topics
 * ({@code hookrelay-status-<store>-changelog}) the stores are rebuilt from.
 */
final class StatusTopology {

    /** {@code sub␀webhook} → {@link DeliveryStatus}. */
    static final String DELIVERIES = "deliveries";
    /** {@code sub␀createdAt␀webhook} → state: the subscription's deliveries in time order. */
    static final String RECENT = "recent-deliveries";
    /** subscription id → {@link SubscriptionHealth}. */
    static final String HEALTH = "subscription-health";
    static final String BY_SUBSCRIPTION = "by-subscription";

    /**
     * Changelog records are also deleted by time, a day after the retention: the stores expire
     * entries before then (deliveries a retention after their first attempt, health a retention
     * after its last activity), so this only bounds the changelogs in case housekeeping falls behind.
     */
    static final Duration CHANGELOG_GRACE = Duration.ofDays(1);

    private StatusTopology() {
    }

    static Topology build(StatusSettings settings, Clock clock, SubscriptionCatalog catalog) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<String, StatusInput> attempts = b
                .stream(Topics.ATTEMPTS, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("attempts"))
                .process(StatusInputReader.Attempts::new, Named.as("read-attempts"));
        KStream<String, StatusInput> deadLetters = b
                .stream(Topics.DLQ, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letters"))
                .process(StatusInputReader.DeadLetters::new, Named.as("read-dead-letters"));
        attempts.merge(deadLetters, Named.as("inputs"))
                .repartition(Repartitioned.<String, StatusInput>as(BY_SUBSCRIPTION)
                        .withKeySerde(Serdes.String()).withValueSerde(StatusInput.SERDE))
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
