package io.hookrelay.dispatcher;

import io.hookrelay.service.Standalone;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.dispatcher.status.StatusService;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.Javalin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher-service: consumes {@code webhooks.accepted}, makes the first signed delivery
 * attempt to every matching subscription, and records each outcome in Kafka before committing
 * (contract §1). Killed at any moment, it loses nothing: a restart redelivers what was not
 * committed, under the same {@code webhook-id}. Serves {@code /health} and {@code /metrics}, and
 * the delivery log and endpoint health ({@link StatusService}), which also disables endpoints that
 * keep failing.
 */
public final class DispatcherService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DispatcherService.class);

    /** The consumer group of every dispatcher instance; partitions of webhooks.accepted are shared among them. */
    public static final String GROUP_ID = "hookrelay-dispatcher";
    /** How long closing waits for deliveries in flight before giving them up to redelivery. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);
    /**
     * Session timeout of the group member (ms). Below Kafka's 45 s default so that a crashed
     * instance's partitions move to the others within seconds; safe because the poll thread never
     * waits on HTTP and heartbeats run on their own thread.
     */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    /** Producer delivery timeout (ms): how long one outcome write may take before it is tried again. */
    private static final int PRODUCER_DELIVERY_TIMEOUT_MS = 120_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final SubscriptionCatalog catalog;
    private final Producer<String, byte[]> producer;
    private final KafkaClientMetrics producerMetrics;
    private final WebhookSender sender;
    private final ExecutorService executor;
    private final EventDispatcher dispatcher;
    private final DispatchLoop loop;
    private final Thread loopThread;
    private final StatusService status;
    private final Javalin http;
    private boolean closed;

    private DispatcherService(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        String bootstrap = config.bootstrapServers();
        String clientId = "hookrelay-dispatcher-" + INSTANCES.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        DispatcherMetrics metrics = new DispatcherMetrics();
        RetrySchedule schedule = config.get(PipelineConfig.RETRY_SCHEDULE);
        int maxInFlight = config.get(PipelineConfig.MAX_IN_FLIGHT);

        this.catalog = new SubscriptionCatalog(bootstrap, clientId + "-catalog", new Recoveries(metrics.registry)).start();
        this.producer = KafkaClients.healingProducer(bootstrap, clientId, PRODUCER_DELIVERY_TIMEOUT_MS, "dispatcher-producer", new Recoveries(metrics.registry));
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(metrics.registry);
        this.sender = WebhookSender.fromConfig(config, clock);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dispatcher-outcomes-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dispatcher = new EventDispatcher(catalog, sender, new DeliveryOutcomeWriter(producer, catalog, schedule, clock),
                limiter, metrics, executor, clock);
        this.loop = new DispatchLoop(consumerProperties(bootstrap, clientId, maxInFlight), catalog, dispatcher, metrics,
                maxInFlight, DRAIN_TIMEOUT);
        // Not a daemon: standalone, this thread is what keeps the process alive.
        this.loopThread = new Thread(loop, clientId + "-loop");

        this.status = StatusService.create(config, clock, catalog, producer, metrics.registry);

        Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
        health.put("kafka-consumer", loop::healthy);
        health.put("kafka-producer", () -> KafkaClients.connected(producer.metrics()));
        health.put("subscription-catalog", catalog::isConnected);
        health.put("status-streams", status::isRunning);
        try {
            this.http = HttpApi.start("dispatcher-service", config.get(PipelineConfig.DISPATCHER_HTTP_PORT), health,
                    metrics.registry, status::mount);
        } catch (RuntimeException e) {
            // The port is taken, typically: release the clients before reporting it.
            closeClients();
            throw e;
        }
        // Interactive queries advertise this instance's HTTP port, so Streams starts once it is bound.
        try {
            this.status.start(http.port());
        } catch (RuntimeException e) {
            closeClients();
            http.stop();
            throw e;
        }
        this.loopThread.start();
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

    static Properties consumerProperties(String bootstrap, String clientId, int maxInFlight) {
        Properties p = KafkaClients.manualCommitConsumer(bootstrap, GROUP_ID, clientId);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS / 3));
        // Incremental rebalances: a member joining or leaving moves only the partitions it must.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // One poll never brings more records than the in-flight limit allows.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.min(500, maxInFlight)));
        return p;
    }

    /** The port /health and /metrics are served on (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    /** This instance's view of the subscriptions; tests wait on it to see a change arrive. */
    SubscriptionCatalog catalog() {
        return catalog;
    }

    /**
     * Stops fetching, waits up to {@link #DRAIN_TIMEOUT} for deliveries in flight, commits what is
     * complete, then closes every client. Deliveries given up on are redelivered after a restart.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        closeClients();
        http.stop();
        log.info("dispatcher-service stopped");
    }

    private void closeClients() {
        dispatcher.closing();
        // Deliveries still in flight end as retriable failures; their records stay uncommitted.
        sender.close();
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producerMetrics.close();
        producer.close(Duration.ofSeconds(5));
        // Before the catalog: the status app's disable rule reads it.
        status.close();
        catalog.close();
    }

    /** Runs the dispatcher on its own, configured from the environment (contract §6). */
    public static void main(String[] args) {
        Standalone.run("dispatcher-service", DispatcherService::start);
    }
}
