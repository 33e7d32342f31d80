package io.hookrelay.dispatcher.status.query;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.dispatcher.status.store.SubscriptionHealth;
import io.hookrelay.subscription.Subscription;

/**
 * The JSON answers of the status API. Wire contract: the field names below are what API clients
 * read. Times are ISO-8601 UTC; durations in ms.
 */
final class StatusViews {

    private StatusViews() {
    }

    /** A delivery with every attempt kept, as {@code GET /v1/events/{id}/deliveries} shows it. */
    static Map<String, Object> delivery(DeliveryStatus d) {
        Map<String, Object> m = summary(d);
        m.put("attempts", d.attempts().stream().map(StatusViews::attempt).toList());
        return m;
    }

    /** A delivery with its last attempt only, as a subscription's list shows it. */
    static Map<String, Object> deliveryInList(DeliveryStatus d) {
        Map<String, Object> m = summary(d);
        List<DeliveryStatus.Attempt> attempts = d.attempts();
        m.put("last_attempt", attempts.isEmpty() ? null : attempt(attempts.get(attempts.size() - 1)));
        return m;
    }

    private static Map<String, Object> summary(DeliveryStatus d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("webhook_id", d.webhookId());
        m.put("subscription_id", d.subscriptionId());
        m.put("event_id", d.eventId());
        m.put("event_type", d.eventType());
        m.put("state", d.state());
        m.put("next_attempt_at", time(d.nextDueAt()));
        m.put("dead_reason", d.deadReason());
        m.put("created_at", time(d.createdAt()));
        m.put("updated_at", time(d.stateAt()));
        m.put("attempt_count", d.attemptCount());
        // Where the event is in Kafka: what resend and recover read, and what ops can read too.
        m.put("event_position", d.eventPosition());
        return m;
    }

    private static Map<String, Object> attempt(DeliveryStatus.Attempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attempt", a.attempt());
        m.put("attempted_at", time(a.attemptedAt()));
        m.put("due_at", time(a.dueAt()));
        m.put("lateness_ms", a.latenessMs());
        m.put("status", a.status());
        m.put("latency_ms", a.latencyMs());
        m.put("error", a.error());
        m.put("response_excerpt", a.responseExcerpt());
        return m;
    }

    /**
     * {@code GET /v1/subscriptions/{id}/health}.
     *
     * @param h         the stored aggregate; empty when the subscription has had no attempt within the retention
     * @param disablesAt when the guard will disable it if nothing succeeds before; empty when not on course
     */
    static Map<String, Object> health(Subscription s, Optional<SubscriptionHealth> h, Optional<Instant> disablesAt,
                                      Instant now) {
        SubscriptionHealth.Window hour = h.map(x -> x.lastHour(now.toEpochMilli()))
                .orElse(new SubscriptionHealth.Window(0, 0, null, null));
        SubscriptionHealth.Window day = h.map(x -> x.lastDay(now.toEpochMilli()))
                .orElse(new SubscriptionHealth.Window(0, 0, null, null));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subscription_id", s.id());
        m.put("enabled", s.enabled());
        m.put("disabled_reason", s.disabledReason());
        m.put("last_hour", window(hour));
        m.put("last_day", window(day));
        m.put("consecutive_failures", h.map(SubscriptionHealth::consecutiveFailures).orElse(0));
        m.put("failing_since", time(h.map(SubscriptionHealth::failingSince).orElse(null)));
        m.put("last_success_at", time(h.map(SubscriptionHealth::lastSuccessAt).orElse(null)));
        m.put("last_failure", h.filter(x -> x.lastFailureAt() != null).map(x -> {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("at", time(x.lastFailureAt()));
            f.put("status", x.lastFailureStatus());
            f.put("error", x.lastError());
            return f;
        }).orElse(null));
        m.put("disables_at", disablesAt.orElse(null));
        // The chart's data: every minute of the last hour and every hour of the last day, oldest first.
        SubscriptionHealth counted = h.orElseGet(SubscriptionHealth::none);
        m.put("minutes", counted.minuteBuckets(now.toEpochMilli()).stream().map(StatusViews::bucket).toList());
        m.put("hours", counted.hourBuckets(now.toEpochMilli()).stream().map(StatusViews::bucket).toList());
        m.put("as_of", now);
        return m;
    }

    private static Map<String, Object> bucket(SubscriptionHealth.Bucket b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", Instant.ofEpochMilli(b.startMs()));
        m.put("attempts", b.attempts());
        m.put("delivered", b.delivered());
        m.put("failed", b.failures());
        return m;
    }

    private static Map<String, Object> window(SubscriptionHealth.Window w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attempts", w.attempts());
        m.put("delivered", w.delivered());
        m.put("failed", w.failures());
        m.put("latency_p50_ms", w.p50Ms());
        m.put("latency_p99_ms", w.p99Ms());
        return m;
    }

    private static Instant time(Long epochMs) {
        return epochMs == null ? null : Instant.ofEpochMilli(epochMs);
    }
}
