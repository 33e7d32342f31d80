package io.hookrelay.ingest;

import io.hookrelay.service.Standalone;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.ingest.api.IngestApi;
import io.hookrelay.ingest.stream.IngestStreamsApp;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.subscription.TargetPolicy;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest-service process: wires the HTTP API (events and subscriptions), the producer and
 * subscription catalog it writes and reads through, and the ingest Streams app, and stops them in
 * the order that loses nothing.
 */
public final class IngestService implements AutoCloseable {

    static final String SERVICE = "ingest-service";
    /** How long an API write waits for Kafka before answering 503 (ms). */
    static final int DELIVERY_TIMEOUT_MS = 10_000;
    /** Subscription reads answer 503 until the catalog has read the topic; start waits this long for it. */
    private static final Duration CATALOG_LOAD_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final Javalin http;
    private final int httpPort;
    private final IngestStreamsApp streams;
    private final KafkaProducer<String, byte[]> producer;
    private final SubscriptionCatalog catalog;
    private final PrometheusMeterRegistry metrics;
    private final Deque<AutoCloseable> binders;
    private final AtomicBoolean closed = new AtomicBoolean();

    private IngestService(Javalin http, IngestStreamsApp streams, KafkaProducer<String, byte[]> producer,
                          SubscriptionCatalog catalog, PrometheusMeterRegistry metrics, Deque<AutoCloseable> binders) {
        this.http = http;
        this.httpPort = http.port();
        this.streams = streams;
        this.producer = producer;
        this.catalog = catalog;
        this.metrics = metrics;
        this.binders = binders;
    }

    /** Starts everything and returns once the HTTP API listens on {@code INGEST_HTTP_PORT}. */
    public static IngestService start(PipelineConfig config, Clock clock) {
        return start(config, clock, DELIVERY_TIMEOUT_MS);
    }

    /** As {@link #start(PipelineConfig, Clock)}, with the producer's delivery timeout in ms, for tests. */
    static IngestService start(PipelineConfig config, Clock clock, int deliveryTimeoutMs) {
        String bootstrap = config.bootstrapServers();
        // What has started so far, closed in reverse if a later part fails to start.
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            started.push(metrics::close);
            Deque<AutoCloseable> binders = bindJvmMetrics(metrics);
            started.push(() -> binders.forEach(IngestService::closeQuietly));

            KafkaProducer<String, byte[]> producer = KafkaClients.durableProducer(bootstrap, SERVICE + "-api", deliveryTimeoutMs);
            started.push(() -> producer.close(Duration.ofSeconds(5)));
            KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
            producerMetrics.bindTo(metrics);
            binders.push(producerMetrics);

            SubscriptionCatalog catalog = new SubscriptionCatalog(bootstrap, SERVICE + "-subscriptions").start();
            started.push(catalog);
            IngestApi api = new IngestApi(new ApiKeys(config.get(PipelineConfig.API_KEYS)), producer, catalog,
                    new SubscriptionPublisher(producer, catalog), new TargetPolicy(config.get(PipelineConfig.ALLOW_PRIVATE_TARGETS)),
                    clock, metrics);

            IngestStreamsApp streams = IngestStreamsApp.start(config, clock);
            started.push(streams);
            KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams.streams());
            streamsMetrics.bindTo(metrics);
            binders.push(streamsMetrics);

            if (!catalog.awaitCaughtUp(CATALOG_LOAD_TIMEOUT)) {
                log.warn("The subscription catalog has not loaded within {}; subscription requests answer 503 until it has",
                        CATALOG_LOAD_TIMEOUT);
            }
            Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
            health.put("kafka-producer", () -> api.kafkaWritable() && connected(producer));
            health.put("subscriptions", catalog::isConnected);
            health.put("ingest-streams", streams::isRunning);
            Javalin http = HttpApi.start(SERVICE, config.get(PipelineConfig.INGEST_HTTP_PORT), health, metrics, api::routes);
            if (config.get(PipelineConfig.API_KEYS).isEmpty()) {
                log.warn("WEBHOOKS_API_KEYS is unset: every API request answers 401");
            }
            log.info("{} listening on port {} (Kafka {})", SERVICE, http.port(), bootstrap);
            return new IngestService(http, streams, producer, catalog, metrics, binders);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.forEach(IngestService::closeQuietly);
            throw new IllegalStateException("Interrupted while starting " + SERVICE, e);
        } catch (RuntimeException e) {
            started.forEach(IngestService::closeQuietly);
            throw e;
        }
    }

    private static Deque<AutoCloseable> bindJvmMetrics(PrometheusMeterRegistry metrics) {
        new ClassLoaderMetrics().bindTo(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        Deque<AutoCloseable> binders = new ArrayDeque<>();
        binders.push(gc);
        return binders;
    }

    /**
     * Whether the producer holds a connection to a broker. It keeps one while the cluster is up
     * (its metadata refresh, every 5 min, is shorter than the 9 min idle timeout), and none while it
     * is down, so this tells an idle healthy producer from one cut off from Kafka.
     */
    private static boolean connected(KafkaProducer<String, byte[]> producer) {
        for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
            if (e.getKey().name().equals("connection-count") && e.getKey().group().equals("producer-metrics")) {
                return e.getValue().metricValue() instanceof Double d && d > 0;
            }
        }
        return false;
    }

    /** The port the API listens on, the actual one when {@code INGEST_HTTP_PORT} is 0. */
    public int httpPort() {
        return httpPort;
    }

    /**
     * Stops in the order that loses nothing: no new requests, then the Streams app commits, then the
     * producer sends what it holds, then the catalog stops following. Safe to call twice.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.stop();
        streams.close();
        producer.flush();
        producer.close(Duration.ofSeconds(5));
        catalog.close();
        binders.forEach(IngestService::closeQuietly);
        metrics.close();
        log.info("{} stopped", SERVICE);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("Closing {} failed", c, e);
        }
    }

    /**
     * Runs ingest-service alone: configuration from the environment, topics created when missing.
     * A bad configuration prints what is wrong to stderr and exits with status 2.
     */
    public static void main(String[] args) {
        Standalone.run("ingest-service", IngestService::start);
    }
}
