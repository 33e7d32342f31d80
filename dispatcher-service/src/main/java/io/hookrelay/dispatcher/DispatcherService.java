package io.hookrelay.dispatcher;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.dispatcher.status.StatusService;
import io.hookrelay.engine.DeliveryEngine;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.service.Standalone;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher-service: consumes {@code webhooks.accepted}, makes the first signed delivery
 * attempt to every matching subscription, and records each outcome in Kafka before committing
 * (contract §1). Killed at any moment, it loses nothing: a restart redelivers what was not
 * committed, under the same {@code webhook-id}. Serves {@code /health} and {@code /metrics}, and
 * the delivery log and endpoint health ({@link StatusService}), which also disables endpoints that
 * keep failing. Runs on the {@link DeliveryEngine} the retry-service runs on; what is its own is
 * {@link EventDispatcher}, what it does with a record.
 */
public final class DispatcherService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DispatcherService.class);

    /** The consumer group of every dispatcher instance; partitions of webhooks.accepted are shared among them. */
    public static final String GROUP_ID = "hookrelay-dispatcher";

    private final DeliveryEngine engine;
    private final StatusService status;
    private final Javalin http;
    private boolean closed;

    private DispatcherService(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        DispatcherMetrics metrics = new DispatcherMetrics();
        this.engine = new DeliveryEngine("dispatcher", config, clock, limiter, metrics);
        engine.consume(engine.consumerProperties(GROUP_ID), List.of(Topics.ACCEPTED),
                runner -> new EventDispatcher(engine.catalog(), runner, metrics, clock));
        this.status = StatusService.create(config, clock, engine.catalog(), engine.producer(), engine.sender(),
                metrics.registry());
        // The status app's disable rule reads the catalog, and it forwards through the producer.
        engine.closeBeforeCatalog(status);

        Map<String, Supplier<Boolean>> health = engine.health();
        health.put("status-streams", status::isRunning);
        try {
            this.http = HttpApi.start("dispatcher-service", config.get(PipelineConfig.DISPATCHER_HTTP_PORT), health,
                    metrics.registry(), status::mount);
        } catch (RuntimeException e) {
            // The port is taken, typically: release the clients before reporting it.
            engine.close();
            throw e;
        }
        // Interactive queries advertise this instance's HTTP port, so Streams starts once it is bound.
        try {
            this.status.start(http.port());
        } catch (RuntimeException e) {
            engine.close();
            http.stop();
            throw e;
        }
        engine.start();
    }

    /**
     * Starts consuming (once the subscription catalog has loaded) and serving HTTP; returns at once.
     * The topics must exist ({@link TopicProvisioner#ensure}).
     */
    public static DispatcherService start(PipelineConfig config, Clock clock) {
        return start(config, clock, new SubscriptionLimiter());
    }

    /**
     * As {@link #start(PipelineConfig, Clock)}, holding subscriptions to their limits with
     * {@code limiter}: the all-in-one process shares one with its retry-service, so that the limits
     * hold for the process as a whole.
     */
    public static DispatcherService start(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        return new DispatcherService(config, clock, limiter);
    }

    /** The port /health and /metrics are served on (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    /** This instance's view of the subscriptions; tests wait on it to see a change arrive. */
    SubscriptionCatalog catalog() {
        return engine.catalog();
    }

    /**
     * Stops fetching, waits up to {@link DeliveryEngine#DRAIN_TIMEOUT} for deliveries in flight,
     * commits what is complete, then closes every client. Deliveries given up on are redelivered
     * after a restart.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        engine.close();
        http.stop();
        log.info("dispatcher-service stopped");
    }

    /** Runs the dispatcher on its own, configured from the environment (contract §6). */
    public static void main(String[] args) {
        Standalone.run("dispatcher-service", DispatcherService::start);
    }
}
