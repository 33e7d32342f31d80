package io.hookrelay.retry.service;

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
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.service.Standalone;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry-service: consumes the delay topics ({@code webhooks.retry.<delay>}, one per distinct
 * delay of {@code WEBHOOKS_RETRY_SCHEDULE}), makes each later attempt no earlier than its due time,
 * moves failures to the next tier and dead-letters what is exhausted, gone, disabled, deleted or
 * unreadable. An offset is committed only once its outcome is durable, so a kill at any moment loses
 * nothing. Runs apart from the dispatcher with its own consumer group, HTTP pool and in-flight
 * limit, so retries never starve first attempts. Serves {@code /health} and {@code /metrics}.
 */
public final class RetryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetryService.class);

    /** The consumer group of every retry-service instance; the delay topics' partitions are shared among them. */
    public static final String GROUP_ID = "hookrelay-retry";
    /** How long closing waits for attempts in flight before giving them up to the next owner. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);
    /**
     * Session timeout of the group member (ms). Below Kafka's 45 s default so that a crashed
     * instance's partitions move to the others within seconds; safe because the poll thread never
     * sleeps or waits on HTTP, and heartbeats run on their own thread.
     */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    /**
     * How long the broker may hold a fetch when it has nothing new (ms). A resumed partition's fetch
     * cannot leave while another fetch to the same broker is held, so this adds to lateness; Kafka's
     * 500 ms default would make every retry up to half a second late.
     */
    private static final int FETCH_MAX_WAIT_MS = 50;
    /** Producer delivery timeout (ms): how long one outcome write may take before it is tried again. */
    private static final int PRODUCER_DELIVERY_TIMEOUT_MS = 120_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final SubscriptionCatalog catalog;
    private final Producer<String, byte[]> producer;
    private final KafkaClientMetrics producerMetrics;
    private final WebhookSender sender;
    private final ExecutorService executor;
    private final RetryAttempts attempts;
    private final TierLoop loop;
    private final Thread loopThread;
    private final Javalin http;
    private boolean closed;

    private RetryService(PipelineConfig config, Clock clock, SubscriptionLimiter limiter) {
        String bootstrap = config.bootstrapServers();
        String clientId = "hookrelay-retry-" + INSTANCES.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        RetryMetrics metrics = new RetryMetrics();
        RetrySchedule schedule = config.get(PipelineConfig.RETRY_SCHEDULE);
        int maxInFlight = config.get(PipelineConfig.MAX_IN_FLIGHT);

        this.catalog = new SubscriptionCatalog(bootstrap, clientId + "-catalog", new Recoveries(metrics.registry)).start();
        this.producer = KafkaClients.healingProducer(bootstrap, clientId, PRODUCER_DELIVERY_TIMEOUT_MS, "retry-producer", new Recoveries(metrics.registry));
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(metrics.registry);
        // Its own client and connection pools: a backlog of retries cannot take the dispatcher's connections.
        this.sender = WebhookSender.fromConfig(config, clock);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "retry-outcomes-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.attempts = new RetryAttempts(catalog, sender, producer, schedule, limiter, metrics, executor, clock);
        this.loop = new TierLoop(consumerProperties(bootstrap, clientId, maxInFlight), schedule.topics(), catalog,
                attempts, metrics, maxInFlight, DRAIN_TIMEOUT, clock);
        // Not a daemon: standalone, this thread is what keeps the process alive.
        this.loopThread = new Thread(loop, clientId + "-loop");

        Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
        health.put("kafka-consumer", loop::healthy);
        // Outcomes and dead letters go through it: a retry-service that cannot write cannot commit.
        health.put("kafka-producer", () -> KafkaClients.connected(producer.metrics()));
        health.put("subscription-catalog", catalog::isConnected);
        try {
            this.http = HttpApi.start("retry-service", config.get(PipelineConfig.RETRY_HTTP_PORT), health,
                    metrics.registry, routes -> {
                        DeadLetterRoutes.mount(routes, config, clock, producer);
                    });
        } catch (RuntimeException e) {
            // The port is taken, typically: release the clients before reporting it.
            closeClients();
            throw e;
        }
        this.loopThread.start();
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

    static Properties consumerProperties(String bootstrap, String clientId, int maxInFlight) {
        Properties p = KafkaClients.manualCommitConsumer(bootstrap, GROUP_ID, clientId);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS / 3));
        // Incremental rebalances: a member joining or leaving moves only the partitions it must, and
        // the partitions that stay keep their timers.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // One poll never brings more records than the in-flight limit allows.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.min(500, maxInFlight)));
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(FETCH_MAX_WAIT_MS));
        return p;
    }

    /** The port /health, /metrics and the dead-letter API are served on (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    /** This instance's view of the subscriptions; tests wait on it to see a change arrive. */
    SubscriptionCatalog catalog() {
        return catalog;
    }

    /**
     * Stops fetching, waits up to {@link #DRAIN_TIMEOUT} for attempts in flight, commits what is
     * complete, then closes every client. Attempts given up on are made again by the next owner.
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
        log.info("retry-service stopped");
    }

    private void closeClients() {
        attempts.closing();
        // Attempts still in flight end as retriable failures; their records stay uncommitted.
        sender.close();
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producerMetrics.close();
        producer.close(Duration.ofSeconds(5));
        catalog.close();
    }

    /** Runs the retry-service on its own, configured from the environment (contract §6). */
    public static void main(String[] args) {
        Standalone.run("retry-service", RetryService::start);
    }
}
