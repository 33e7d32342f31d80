package io.hookrelay.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The Prometheus registry every service serves at {@code GET /metrics}, and the meters more than one
 * service records, declared once so that their series aggregate across services and instances.
 */
public final class ServiceMetrics {

    /**
     * Upper bounds of the {@code hookrelay_attempt_latency_seconds} buckets: fixed, so Prometheus can
     * aggregate them across instances and services ({@code histogram_quantile}); up to 30 s, twice
     * the default {@code WEBHOOKS_HTTP_TIMEOUT}, where the sender cuts an attempt off.
     */
    private static final Duration[] ATTEMPT_LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(30)};

    private ServiceMetrics() {
    }

    /**
     * A registry with the JVM's meters bound (memory, GC, threads, class loading, CPU, uptime). The
     * GC binder stays subscribed to the JVM's collectors for the life of the process, as the
     * service's registry does.
     */
    @SuppressWarnings("resource")
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        return registry;
    }

    /**
     * {@code hookrelay_attempt_latency_seconds}: how long subscribers took to answer a delivery
     * attempt, from the request leaving on a connection to the complete answer; a histogram.
     */
    public static Timer attemptLatency(MeterRegistry registry) {
        return Timer.builder("hookrelay.attempt.latency")
                .description("How long subscribers took to answer a delivery attempt")
                .serviceLevelObjectives(ATTEMPT_LATENCY_BUCKETS)
                .register(registry);
    }
}
