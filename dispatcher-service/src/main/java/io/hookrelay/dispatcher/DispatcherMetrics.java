package io.hookrelay.dispatcher;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.hookrelay.delivery.AttemptRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The dispatcher's meters, as Prometheus shows them: {@code hookrelay_deliveries_total{outcome,
 * event_type}}, {@code hookrelay_deliveries_in_flight}, {@code hookrelay_attempt_latency_seconds}
 * and {@code hookrelay_dispatcher_unreadable_events_total}.
 */
final class DispatcherMetrics {

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer latency;
    private final Counter unreadable;

    DispatcherMetrics() {
        registry.gauge("hookrelay.deliveries.in.flight", inFlight);
        latency = Timer.builder("hookrelay.attempt.latency")
                .description("How long subscribers took to answer a delivery attempt")
                .register(registry);
        unreadable = Counter.builder("hookrelay.dispatcher.unreadable.events")
                .description("Records on webhooks.accepted that were not a canonical event and were skipped")
                .register(registry);
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    void recorded(AttemptRecord r) {
        // event_type has a closed set of values (contract §3), so the tag cannot explode.
        Counter.builder("hookrelay.deliveries")
                .description("Delivery attempts by what followed them")
                .tag("outcome", r.outcome().wire())
                .tag("event_type", r.eventType())
                .register(registry)
                .increment();
        latency.record(Duration.ofMillis(r.latencyMs()));
    }

    void unreadable() {
        unreadable.increment();
    }
}
