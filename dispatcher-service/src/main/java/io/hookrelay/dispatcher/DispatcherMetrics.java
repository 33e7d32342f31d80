package io.hookrelay.dispatcher;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.engine.EngineMeters;
import io.hookrelay.metrics.ServiceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The dispatcher's meters, as Prometheus shows them: {@code hookrelay_deliveries_total{outcome,
 * event_type}}, {@code hookrelay_deliveries_in_flight}, {@code hookrelay_attempt_latency_seconds}
 * (a histogram), {@code hookrelay_dispatcher_dead_letters_total{reason}},
 * {@code hookrelay_dispatcher_unreadable_events_total} and {@code hookrelay_deliveries_parked_total{reason}};
 * beside them, in the same registry, the JVM's meters, the consumer's Kafka client meters and
 * {@code hookrelay_consumer_lag} ({@link io.hookrelay.engine.CommittingLoop}).
 */
final class DispatcherMetrics implements EngineMeters {

    private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer latency;
    private final Counter unreadable;

    DispatcherMetrics() {
        registry.gauge("hookrelay.deliveries.in.flight", inFlight);
        latency = ServiceMetrics.attemptLatency(registry);
        unreadable = Counter.builder("hookrelay.dispatcher.unreadable.events")
                .description("Records on webhooks.accepted that were not a canonical event and were skipped")
                .register(registry);
        // The reasons a first attempt can end dead with, at 0 from the start: 410 Gone, and a
        // schedule without retries.
        deadLetters(DeadReason.GONE.wire());
        deadLetters(DeadReason.EXHAUSTED.wire());
        for (SubscriptionLimiter.Limit limit : SubscriptionLimiter.Limit.values()) {
            parkedCounter(limit);
        }
    }

    @Override
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void started() {
        inFlight.incrementAndGet();
    }

    @Override
    public void finished() {
        inFlight.decrementAndGet();
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void attempted(AttemptRecord r) {
        // event_type has a closed set of values (contract §3), so the tag cannot explode.
        Counter.builder("hookrelay.deliveries")
                .description("Delivery attempts by what followed them")
                .tag("outcome", r.outcome().wire())
                .tag("event_type", r.eventType())
                .register(registry)
                .increment();
        latency.record(Duration.ofMillis(r.latencyMs()));
        if (r.outcome() == Outcome.DEAD) {
            deadLetters(r.deadReason()).increment();
        }
    }

    @Override
    public void parked(SubscriptionLimiter.Limit limit) {
        parkedCounter(limit).increment();
    }

    private Counter parkedCounter(SubscriptionLimiter.Limit limit) {
        return Counter.builder("hookrelay.deliveries.parked")
                .description("Deliveries parked on a delay topic without an attempt: their subscription was at a limit")
                .tag("reason", limit.wire())
                .register(registry);
    }

    void unreadable() {
        unreadable.increment();
    }

    private Counter deadLetters(String reason) {
        return Counter.builder("hookrelay.dispatcher.dead.letters")
                .description("Records the dispatcher wrote to webhooks.dlq, by dead reason")
                .tag("reason", reason)
                .register(registry);
    }
}
