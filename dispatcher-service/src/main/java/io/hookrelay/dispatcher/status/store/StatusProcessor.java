package io.hookrelay.dispatcher.status.store;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.dispatcher.status.guard.EndpointGuard;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one partition's status stores (input key: subscription id): applies every attempt and dead
 * letter to the delivery's entry, its time index entry and the subscription's health, and writes
 * {@code endpoint.failing} alerts. A wall-clock punctuator does the housekeeping: expires deliveries
 * a retention after their first attempt (and health a retention after its last activity), and
 * disables subscriptions the {@link EndpointGuard} says have failed long enough.
 */
final class StatusProcessor implements Processor<String, StatusInput, String, Outbound> {

    private static final Logger log = LoggerFactory.getLogger(StatusProcessor.class);
    /** Health objects kept read (about 2.4 KB each): the busiest subscriptions of this task. */
    private static final int HEALTH_CACHE_ENTRIES = 512;

    private final StatusSettings settings;
    private final Clock clock;
    private final SubscriptionCatalog catalog;
    private final EndpointGuard guard;
    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, DeliveryStatus> deliveries;
    private KeyValueStore<String, String> recent;
    private KeyValueStore<String, SubscriptionHealth> health;
    /**
     * The last health written per subscription, so an attempt does not decode its buckets
     * from the store only to write them back: the store stays the truth (every change is put), this
     * only saves the read. Made anew in {@link #init}, which Streams calls again whenever it rebuilds
     * the task's state, so it never outlives the store contents it mirrors.
     */
    private Map<String, SubscriptionHealth> healthRead;

    StatusProcessor(StatusSettings settings, Clock clock, SubscriptionCatalog catalog) {
        this.settings = settings;
        this.clock = clock;
        this.catalog = catalog;
        this.guard = new EndpointGuard(settings, clock);
    }

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.deliveries = context.getStateStore(StatusTopology.DELIVERIES);
        this.recent = context.getStateStore(StatusTopology.RECENT);
        this.health = context.getStateStore(StatusTopology.HEALTH);
        this.healthRead = new LinkedHashMap<>(HEALTH_CACHE_ENTRIES * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SubscriptionHealth> eldest) {
                return size() > HEALTH_CACHE_ENTRIES;
            }
        };
        context.schedule(settings.housekeeping(), PunctuationType.WALL_CLOCK_TIME, this::housekeeping);
    }

    @Override
    public void process(Record<String, StatusInput> r) {
        StatusInput in = r.value();
        String subscriptionId = r.key();
        if (in == null || subscriptionId == null) {
            return;
        }
        String key = StoreKeys.delivery(subscriptionId, in.webhookId());
        DeliveryStatus before = deliveries.get(key);
        DeliveryStatus after = DeliveryStatus.apply(before, in);
        deliveries.put(key, after);
        if (before == null || !before.state().equals(after.state())) {
            recent.put(StoreKeys.recent(subscriptionId, after.createdAt(), after.webhookId()), after.state());
        }

        SubscriptionHealth h = healthOf(subscriptionId);
        if (h == null) {
            h = new SubscriptionHealth(subscriptionId, in.operatorId());
        }
        guard.restartIfReEnabled(h, catalog.get(subscriptionId));
        if (in.attempt() != null) {
            h.record(in.attempt());
            Optional<byte[]> alert = guard.failingAlert(h);
            if (alert.isPresent()) {
                log.info("event=endpoint.failing subscription_id={} operator_id={} consecutive_failures={} "
                                + "failing_since={} last_error={}", subscriptionId, h.operatorId(),
                        h.consecutiveFailures(), Instant.ofEpochMilli(h.failingSince()), Json.string(h.lastError()));
                context.forward(new Record<>(subscriptionId, new Outbound(Topics.ALERTS, alert.get()), r.timestamp()));
            }
        } else {
            h.touch(in.deadLetter().deadAt());
        }
        putHealth(h);
    }

    /** Expiry and the disable rule, for every subscription of this partition. {@code timestamp}: wall-clock ms. */
    private void housekeeping(long timestamp) {
        long now = clock.millis();
        long cutoff = now - settings.retention().toMillis();
        for (String subscriptionId : subscriptionIds()) {
            SubscriptionHealth h = healthOf(subscriptionId);
            expireDeliveries(subscriptionId, cutoff);
            if (h.lastActivityAt() < cutoff) {
                health.delete(subscriptionId);
                healthRead.remove(subscriptionId);
                continue;
            }
            // Before the catalog has loaded, "not found" or an old version would be a lie.
            if (catalog.isCaughtUp()) {
                guard(h, timestamp);
            }
        }
    }

    private void guard(SubscriptionHealth h, long timestamp) {
        Optional<Subscription> current = catalog.get(h.subscriptionId());
        boolean changed = guard.restartIfReEnabled(h, current);
        Optional<EndpointGuard.Disable> disable = guard.disable(h, current);
        if (disable.isPresent()) {
            Subscription s = disable.get().disabled();
            // Only scheme://host[:port] of the URL: its path and query can hold the subscriber's tokens.
            log.warn("event=endpoint.disabled subscription_id={} operator_id={} endpoint={} failing_since={} "
                            + "consecutive_failures={} last_error={}", s.id(), s.operatorId(),
                    WebhookSender.endpointOf(s.url()), Instant.ofEpochMilli(h.failingSince()),
                    h.consecutiveFailures(), Json.string(h.lastError()));
            // Record timestamps from the wall clock: the broker refuses timestamps far in the future,
            // and the injected clock is only ours to decide with.
            context.forward(new Record<>(s.id(), new Outbound(Topics.SUBSCRIPTIONS, Json.bytes(s)), timestamp));
            context.forward(new Record<>(s.id(), new Outbound(Topics.ALERTS, disable.get().alert()), timestamp));
            changed = true;
        }
        if (changed) {
            putHealth(h);
        }
    }

    private SubscriptionHealth healthOf(String subscriptionId) {
        SubscriptionHealth h = healthRead.get(subscriptionId);
        if (h == null) {
            h = health.get(subscriptionId);
            if (h != null) {
                healthRead.put(subscriptionId, h);
            }
        }
        return h;
    }

    private void putHealth(SubscriptionHealth h) {
        health.put(h.subscriptionId(), h);
        healthRead.put(h.subscriptionId(), h);
    }

    private List<String> subscriptionIds() {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, SubscriptionHealth> it = health.all()) {
            it.forEachRemaining(kv -> ids.add(kv.key));
        }
        return ids;
    }

    /** Deletes the deliveries of one subscription first attempted before {@code cutoff} (epoch ms). */
    private void expireDeliveries(String subscriptionId, long cutoff) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, String> it = recent.range(StoreKeys.recentFrom(subscriptionId, 0),
                StoreKeys.recentTo(subscriptionId, cutoff - 1))) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                expired.add(kv.key);
            }
        }
        for (String k : expired) {
            recent.delete(k);
            deliveries.delete(StoreKeys.delivery(subscriptionId, StoreKeys.webhookIdOfRecent(k)));
        }
    }
}
