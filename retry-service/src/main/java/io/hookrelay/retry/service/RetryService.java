package io.hookrelay.retry.service;

import java.time.Clock;
import java.util.Properties;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.engine.DeliveryEngine;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.service.Standalone;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.Javalin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry-service: consumes the delay topics ({@code webhooks.retry.<delay>}, one per distinct
 * delay of {@code WEBHOOKS_RETRY_SCHEDULE}), makes each later attempt no earlier than its due time,
 * moves failures to the next tier and dead-letters what is exhausted, gone, disabled, deleted or
 * unreadable. An offset is committed only once its outcome is durable, so a kill at any moment loses
 * nothing. Runs apart from the dispatcher with its own consumer group, HTTP pool and in-flight
 * limit, so retries never starve first attempts, on the same {@link DeliveryEngine}; what is its
 * own is {@link RetryAttempts}, what it does with a record. Serves {@code /health},
 * {@code /metrics} and the dead-letter API.
 */
public final class RetryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetryService.class);

    /** The consumer group of every retry-service instance; the delay topics' partitions are shared among them. */
    public static final String GROUP_ID = "hookrelay-retry";
    /**
     * How long the broker may hold a fetch when it has nothing new (ms). A resumed partition's fetch
     * cannot leave while another fetch to the same broker is held, so this adds to lateness; Kafka's
     * 500 ms default would make every retry up to half a second late.
     */
    private static final int FETCH_MAX_WAIT_MS = 50;

    private final DeliveryEngine engine;
    private final Javalin http;
    private boolean closed;

    private RetryService(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        RetryMetrics metrics = new RetryMetrics();
        RetrySchedule schedule = config.get(PipelineConfig.RETRY_SCHEDULE);
        this.engine = new DeliveryEngine("retry", config, clock, limiter, metrics);
        Properties consumer = engine.consumerProperties(GROUP_ID);
        consumer.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(FETCH_MAX_WAIT_MS));
        engine.consume(consumer, schedule.topics(),
                runner -> new RetryAttempts(engine.catalog(), runner, engine.writer(), engine.producer(), metrics, clock));
        try {
            this.http = HttpApi.start("retry-service", config.get(PipelineConfig.RETRY_HTTP_PORT), engine.health(),
                    metrics.registry(), routes -> DeadLetterRoutes.mount(routes, config, clock, engine.producer()));
        } catch (RuntimeException e) {
            // The port is taken, typically: release the clients before reporting it.
            engine.close();
            throw e;
        }
        engine.start();
        log.info("retry-service listening on port {} (schedule {}, tiers {})", http.port(), schedule, schedule.topics());
    }

    /**
     * Starts consuming the delay topics (once the subscription catalog has loaded) and serving HTTP;
     * returns at once. The topics must exist ({@link TopicProvisioner#ensure}).
     */
    public static RetryService start(PipelineConfig config, Clock clock) {
        return start(config, clock, new SubscriptionLimiter());
    }

    /**
     * As {@link #start(PipelineConfig, Clock)}, holding subscriptions to their limits with
     * {@code limiter}: the all-in-one process shares one with its dispatcher, so that the limits
     * hold for the process as a whole.
     */
    public static RetryService start(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        return new RetryService(config, clock, limiter);
    }

    /** The port /health, /metrics and the dead-letter API are served on (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    /** This instance's view of the subscriptions; tests wait on it to see a change arrive. */
    SubscriptionCatalog catalog() {
        return engine.catalog();
    }

    /**
     * Stops fetching, waits up to {@link DeliveryEngine#DRAIN_TIMEOUT} for attempts in flight,
     * commits what is complete, then closes every client. Attempts given up on are made again by
     * the next owner.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        engine.close();
        http.stop();
        log.info("retry-service stopped");
    }

    /** Runs the retry-service on its own, configured from the environment (contract §6). */
    public static void main(String[] args) {
        Standalone.run("retry-service", RetryService::start);
    }
}
