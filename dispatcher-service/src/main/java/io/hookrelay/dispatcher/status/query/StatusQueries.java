package io.hookrelay.dispatcher.status.query;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.dispatcher.status.store.StatusSettings;
import io.hookrelay.dispatcher.status.store.StatusTopology;
import io.hookrelay.dispatcher.status.store.StoreKeys;
import io.hookrelay.dispatcher.status.store.SubscriptionHealth;
import io.hookrelay.subscription.Subscription;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the status stores through Kafka Streams interactive queries: which instance holds a
 * subscription's partition, and, on that instance, its entries. Entries past the retention are
 * never shown, even before housekeeping has deleted them.
 */
public final class StatusQueries {

    private static final Serializer<String> KEYS = Serdes.String().serializer();

    private final Clock clock;
    private final long retentionMs;
    private volatile KafkaStreams streams;
    private volatile HostInfo self;

    public StatusQueries(StatusSettings settings, Clock clock) {
        this.clock = clock;
        this.retentionMs = settings.retention().toMillis();
    }

    /** Where a subscription's stores are: the active instance and the partition. */
    public record Owner(HostInfo host, int partition, boolean local) {
    }

    /** A page of a subscription's deliveries, newest first. */
    record Page(List<DeliveryStatus> deliveries, boolean hasMore) {
    }

    public void attach(KafkaStreams streams, HostInfo self) {
        this.self = self;
        this.streams = streams;
    }

    /** @throws StatusUnavailable while no instance is known to hold the partition (start, rebalance) */
    public Owner ownerOf(String subscriptionId) {
        KafkaStreams s = streams;
        if (s == null) {
            throw new StatusUnavailable("The delivery status is starting");
        }
        KeyQueryMetadata md;
        try {
            md = s.queryMetadataForKey(StatusTopology.HEALTH, subscriptionId, KEYS);
        } catch (RuntimeException e) {
            throw new StatusUnavailable("The delivery status is not available (app state " + s.state() + ")", e);
        }
        if (md == null || KeyQueryMetadata.NOT_AVAILABLE.equals(md) || md.activeHost() == null
                || HostInfo.unavailable().equals(md.activeHost())) {
            throw new StatusUnavailable("The delivery status of subscription " + subscriptionId
                    + " is moving between dispatcher instances (rebalance)");
        }
        return new Owner(md.activeHost(), md.partition(), md.activeHost().equals(self));
    }

    /** Subscriptions by the instance holding their status: this one's, and the ids each other instance holds. */
    public record Placement(List<Subscription> local, Map<HostInfo, List<String>> elsewhere) {
    }

    /** Where the status of each of {@code subscriptions} is. @throws StatusUnavailable as {@link #ownerOf} */
    public Placement place(List<Subscription> subscriptions) {
        List<Subscription> local = new ArrayList<>();
        Map<HostInfo, List<String>> elsewhere = new LinkedHashMap<>();
        for (Subscription s : subscriptions) {
            Owner o = ownerOf(s.id());
            if (o.local()) {
                local.add(s);
            } else {
                elsewhere.computeIfAbsent(o.host(), h -> new ArrayList<>()).add(s.id());
            }
        }
        return new Placement(local, elsewhere);
    }

    /** The owner of {@code subscriptionId} when it is this instance. @throws StatusUnavailable otherwise */
    public Owner localOwnerOf(String subscriptionId) {
        Owner o = ownerOf(subscriptionId);
        if (!o.local()) {
            throw new StatusUnavailable("The delivery status of subscription " + subscriptionId + " has moved to "
                    + o.host().host() + ":" + o.host().port() + " (rebalance)");
        }
        return o;
    }

    Optional<SubscriptionHealth> health(Owner o, String subscriptionId) {
        return read(() -> Optional.ofNullable(this.<SubscriptionHealth>store(StatusTopology.HEALTH, o)
                .get(subscriptionId)));
    }

    Optional<DeliveryStatus> delivery(Owner o, String subscriptionId, String webhookId) {
        long oldest = clock.millis() - retentionMs;
        return read(() -> Optional.ofNullable(this.<DeliveryStatus>store(StatusTopology.DELIVERIES, o)
                .get(StoreKeys.delivery(subscriptionId, webhookId))).filter(d -> d.createdAt() >= oldest));
    }

    /** The subscription's deliveries matching {@code q}, newest first (by first attempt). */
    Page recent(Owner o, String subscriptionId, DeliveryListQuery q) {
        long from = Math.max(clock.millis() - retentionMs, q.since() == null ? 0 : q.since().toEpochMilli());
        long to = q.until() == null ? Long.MAX_VALUE : q.until().toEpochMilli() - 1;
        if (to < from) {
            return new Page(List.of(), false);
        }
        return read(() -> {
            ReadOnlyKeyValueStore<String, String> index = store(StatusTopology.RECENT, o);
            ReadOnlyKeyValueStore<String, DeliveryStatus> deliveries = store(StatusTopology.DELIVERIES, o);
            List<DeliveryStatus> page = new ArrayList<>();
            boolean more = false;
            try (KeyValueIterator<String, String> it = index.reverseRange(StoreKeys.recentFrom(subscriptionId, from),
                    StoreKeys.recentTo(subscriptionId, to))) {
                while (it.hasNext()) {
                    KeyValue<String, String> kv = it.next();
                    if (q.state() != null && !q.state().equals(kv.value)) {
                        continue;
                    }
                    if (page.size() == q.limit()) {
                        more = true;
                        break;
                    }
                    DeliveryStatus d = deliveries.get(StoreKeys.delivery(subscriptionId, StoreKeys.webhookIdOfRecent(kv.key)));
                    if (d != null) {
                        page.add(d);
                    }
                }
            }
            return new Page(page, more);
        });
    }

    /**
     * The subscription's deliveries first attempted in {@code [since, until)} whose state is one of
     * {@code states}, oldest first, at most {@code limit}; with the creation time of the first one
     * left out when there are more (where the next call continues).
     */
    public Window window(Owner o, String subscriptionId, long since, long until, Set<String> states, int limit) {
        long from = Math.max(clock.millis() - retentionMs, since);
        long to = until - 1;
        if (to < from) {
            return new Window(List.of(), null);
        }
        return read(() -> {
            ReadOnlyKeyValueStore<String, String> index = store(StatusTopology.RECENT, o);
            ReadOnlyKeyValueStore<String, DeliveryStatus> deliveries = store(StatusTopology.DELIVERIES, o);
            List<DeliveryStatus> found = new ArrayList<>();
            try (KeyValueIterator<String, String> it = index.range(StoreKeys.recentFrom(subscriptionId, from),
                    StoreKeys.recentTo(subscriptionId, to))) {
                while (it.hasNext()) {
                    KeyValue<String, String> kv = it.next();
                    if (!states.contains(kv.value)) {
                        continue;
                    }
                    DeliveryStatus d = deliveries.get(StoreKeys.delivery(subscriptionId, StoreKeys.webhookIdOfRecent(kv.key)));
                    if (d == null) {
                        continue;
                    }
                    if (found.size() == limit) {
                        return new Window(found, d.createdAt());
                    }
                    found.add(d);
                }
            }
            return new Window(found, null);
        });
    }

    /** Deliveries of a time window, oldest first; {@code nextSince} non-null when more match. */
    public record Window(List<DeliveryStatus> deliveries, Long nextSince) {
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name, Owner o) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore())
                .withPartition(o.partition()));
    }

    private static <T> T read(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (InvalidStateStoreException e) {
            // Migrated, restoring, or the app is not running: all pass with time.
            throw new StatusUnavailable("The delivery status store is not queryable here right now: " + e.getMessage(), e);
        }
    }
}
