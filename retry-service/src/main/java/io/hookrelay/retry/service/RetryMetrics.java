package io.hookrelay.retry.service;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.engine.EngineMeters;
import io.hookrelay.metrics.ServiceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The retry-service's meters, as Prometheus shows them: {@code hookrelay_retry_lateness_seconds}
 * (attempted minus due, a histogram from 5 ms to 1 h), {@code hookrelay_retry_attempts_total{outcome,
 * event_type}}, {@code hookrelay_attempt_latency_seconds} (a histogram, shared with the dispatcher),
 * {@code hookrelay_retry_in_flight}, {@code hookrelay_retry_partitions_waiting},
 * {@code hookrelay_retry_dead_letters_total{reason}} and {@code hookrelay_retry_parked_total{reason}};
 * beside them, in the same registry, the JVM's meters, the Kafka client meters and
 * {@code hookrelay_consumer_lag} ({@link io.hookrelay.engine.CommittingLoop}).
 */
final class RetryMetrics implements EngineMeters {

    /** Upper bounds of the lateness histogram's buckets. */
    private static final Duration[] LATENESS_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1)};

    private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waitingPartitions = new AtomicInteger();
    private final Timer lateness;
    private final Timer latency;
    private final Map<DeadReason, Counter> deadLetters = new EnumMap<>(DeadReason.class);
    private final Map<SubscriptionLimiter.Limit, Counter> parked = new EnumMap<>(SubscriptionLimiter.Limit.class);

    RetryMetrics() {
        Gauge.builder("hookrelay.retry.in.flight", inFlight, AtomicInteger::get)
                .description("Due records being attempted or dead-lettered whose outcome is not yet durable")
                .register(registry);
        Gauge.builder("hookrelay.retry.partitions.waiting", waitingPartitions, AtomicInteger::get)
                .description("Delay-topic partitions paused until the record at their head falls due")
                .register(registry);
        // Fixed buckets rather than client-side percentiles: Prometheus aggregates buckets across
        // instances (histogram_quantile), which percentiles computed in each process cannot do.
        lateness = Timer.builder("hookrelay.retry.lateness")
                .description("How long after its due time a retry was attempted")
                .serviceLevelObjectives(LATENESS_BUCKETS)
                .register(registry);
        latency = ServiceMetrics.attemptLatency(registry);
        // Registered up front, so a dashboard sees every series at 0 rather than none. Attempts are
        // registered as they happen: one series per outcome and event type actually seen.
        for (DeadReason r : DeadReason.values()) {
            deadLetters.put(r, Counter.builder("hookrelay.retry.dead.letters")
                    .description("Records the retry-service wrote to webhooks.dlq, by dead reason")
                    .tag("reason", r.wire())
                    .register(registry));
        }
        for (SubscriptionLimiter.Limit l : SubscriptionLimiter.Limit.values()) {
            parked.put(l, Counter.builder("hookrelay.retry.parked")
                    .description("Due deliveries parked again without an attempt: their subscription was at a limit")
                    .tag("reason", l.wire())
                    .register(registry));
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
    public void waitingPartitions(int n) {
        waitingPartitions.set(n);
    }

    @Override
    public void attempted(AttemptRecord r) {
        // event_type has a closed set of values (contract §3), so the tag cannot explode.
        Counter.builder("hookrelay.retry.attempts")
                .description("Retry attempts by what followed them")
                .tag("outcome", r.outcome().wire())
                .tag("event_type", r.eventType())
                .register(registry)
                .increment();
        lateness.record(Duration.ofMillis(r.latenessMs()));
        latency.record(Duration.ofMillis(r.latencyMs()));
        if (r.outcome() == Outcome.DEAD) {
            deadLettered(reason(r.deadReason()));
        }
    }

    @Override
    public void parked(SubscriptionLimiter.Limit limit) {
        parked.get(limit).increment();
    }

    void deadLettered(DeadReason reason) {
        deadLetters.get(reason).increment();
    }

    private static DeadReason reason(String wire) {
        for (DeadReason r : DeadReason.values()) {
            if (r.wire().equals(wire)) {
                return r;
            }
        }
        return DeadReason.EXHAUSTED;
    }
}
