package io.hookrelay.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a delivering service runs on, the dispatcher and the retry-service alike: its subscription
 * view, its durable producer, its HTTP client and pools ({@link WebhookSender}, its own per
 * service, so a backlog of retries cannot take the first attempts' connections), its executor, its
 * {@link AttemptRunner} and its {@link CommittingLoop}; and the one order they close in, which
 * loses nothing: stop fetching and drain, stop writing, end the HTTP exchanges still open (their
 * records stay uncommitted), then the producer, what the service added, and the catalog last.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
    /** How long closing waits for work in flight before giving it up to the next owner of its partitions. */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);
    /**
     * Session timeout of the group member (ms). Below Kafka's 45 s default so that a crashed
     * instance's partitions move to the others within seconds; safe because the poll thread never
     * sleeps or waits on HTTP, and heartbeats run on their own thread.
     */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    /** Producer delivery timeout (ms): how long one outcome write may take before it is tried again. */
    private static final int PRODUCER_DELIVERY_TIMEOUT_MS = 120_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String name;
    private final String clientId;
    private final PipelineConfig config;
    private final Clock clock;
    private final EngineMeters meters;
    private final SubscriptionCatalog catalog;
    private final Producer<String, byte[]> producer;
    private final KafkaClientMetrics producerMetrics;
    private final WebhookSender sender;
    private final ExecutorService executor;
    private final DeliveryOutcomeWriter writer;
    private final AttemptRunner runner;
    private final List<AutoCloseable> closeBeforeCatalog = new ArrayList<>();
    private CommittingLoop loop;
    private Thread loopThread;
    private boolean closed;

    /**
     * Opens the clients; consumes nothing until {@link #start}.
     *
     * @param name    {@code dispatcher} or {@code retry}: names the clients, threads and recovery meters
     * @param limiter holds subscriptions to their limits; the all-in-one process shares one between
     *                its two services, so the limits hold for the process as a whole
     */
    public DeliveryEngine(String name, PipelineConfig config, Clock clock, SubscriptionLimiter limiter, EngineMeters meters) {
        this.name = name;
        this.clientId = "hookrelay-" + name + "-" + INSTANCES.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.config = config;
        this.clock = clock;
        this.meters = meters;
        String bootstrap = config.bootstrapServers();
        this.catalog = new SubscriptionCatalog(bootstrap, clientId + "-catalog", new Recoveries(meters.registry())).start();
        this.producer = KafkaClients.healingProducer(bootstrap, clientId, PRODUCER_DELIVERY_TIMEOUT_MS, name + "-producer",
                new Recoveries(meters.registry()));
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(meters.registry());
        this.sender = WebhookSender.fromConfig(config, clock);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, name + "-outcomes-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.writer = new DeliveryOutcomeWriter(producer, catalog, config.get(PipelineConfig.RETRY_SCHEDULE), clock);
        this.runner = new AttemptRunner(name, limiter, sender, writer, meters, executor, clock);
    }

    /**
     * Consumer settings of a group member that commits by hand: incremental rebalances (a member
     * joining or leaving moves only the partitions it must, and those that stay keep their timers),
     * a short session, and no poll bringing more records than the in-flight limit allows.
     */
    public Properties consumerProperties(String groupId) {
        Properties p = KafkaClients.manualCommitConsumer(config.bootstrapServers(), groupId, clientId);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS / 3));
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.min(500, config.get(PipelineConfig.MAX_IN_FLIGHT))));
        return p;
    }

    /** Sets what is consumed and how each record is taken; nothing is read until {@link #start}. */
    public void consume(Properties consumerProps, List<String> topics, Function<AttemptRunner, Intake> intake) {
        this.loop = new CommittingLoop(name + "-consumer", consumerProps, topics, catalog, intake.apply(runner), meters,
                config.get(PipelineConfig.MAX_IN_FLIGHT), DRAIN_TIMEOUT, clock);
        // Not a daemon: standalone, this thread is what keeps the process alive.
        this.loopThread = new Thread(loop, clientId + "-loop");
    }

    /** Closed after the producer and before the catalog (the dispatcher's status app reads both). */
    public void closeBeforeCatalog(AutoCloseable c) {
        closeBeforeCatalog.add(c);
    }

    /** The checks every delivering service reports on {@code /health}; a service adds its own after them. */
    public Map<String, Supplier<Boolean>> health() {
        Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
        health.put("kafka-consumer", loop::healthy);
        // Outcomes go through it: a service that cannot write cannot commit.
        health.put("kafka-producer", () -> KafkaClients.connected(producer.metrics()));
        health.put("subscription-catalog", catalog::isConnected);
        return health;
    }

    /** Starts consuming, once the subscription catalog has loaded; returns at once. */
    public void start() {
        loopThread.start();
    }

    public SubscriptionCatalog catalog() {
        return catalog;
    }

    /** The durable producer every outcome goes through. */
    public Producer<String, byte[]> producer() {
        return producer;
    }

    /** The sender every attempt goes through; the delivery log renders what an attempt sends with it. */
    public WebhookSender sender() {
        return sender;
    }

    public DeliveryOutcomeWriter writer() {
        return writer;
    }

    /**
     * Stops fetching, waits up to {@link #DRAIN_TIMEOUT} for work in flight, commits what is
     * complete, then closes every client. Work given up on is done again by the next owner.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop != null && loopThread.isAlive()) {
            loop.stop();
        }
        runner.close();
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
        for (AutoCloseable c : closeBeforeCatalog) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Closing {} failed", c, e);
            }
        }
        catalog.close();
    }
}
