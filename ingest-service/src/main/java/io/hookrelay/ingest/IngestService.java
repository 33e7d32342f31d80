package io.hookrelay.ingest;

import io.hookrelay.service.Standalone;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.ingest.api.ForwardedRoutes;
import io.hookrelay.ingest.api.IngestApi;
import io.hookrelay.ingest.stream.IngestStreamsApp;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.metrics.ConsumerLag;
import io.hookrelay.metrics.ServiceMetrics;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.subscription.TargetPolicy;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.producer.Producer;
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
    /**
     * Connections of the test-fire sender, per endpoint and in all: an operator's button, not a
     * delivery path, so a small pool of its own that never competes with deliveries.
     */
    private static final int TEST_FIRE_CONNECTIONS_PER_ENDPOINT = 2;
    private static final int TEST_FIRE_CONNECTIONS = 64;
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final Javalin http;
    private final int httpPort;
    private final IngestStreamsApp streams;
    private final Producer<String, byte[]> producer;
    private final SubscriptionCatalog catalog;
    private final WebhookSender tester;
    private final PrometheusMeterRegistry metrics;
    private final Deque<AutoCloseable> binders;
    private final AtomicBoolean closed = new AtomicBoolean();

    private IngestService(Javalin http, IngestStreamsApp streams, Producer<String, byte[]> producer,
                          SubscriptionCatalog catalog, WebhookSender tester, PrometheusMeterRegistry metrics,
                          Deque<AutoCloseable> binders) {
        this.http = http;
        this.httpPort = http.port();
        this.streams = streams;
        this.producer = producer;
        this.catalog = catalog;
        this.tester = tester;
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
            PrometheusMeterRegistry metrics = ServiceMetrics.newRegistry();
            started.push(metrics::close);
            Deque<AutoCloseable> binders = new ArrayDeque<>();
            started.push(() -> binders.forEach(IngestService::closeQuietly));

            Producer<String, byte[]> producer = KafkaClients.healingProducer(bootstrap, SERVICE + "-api", deliveryTimeoutMs, "ingest-producer", new Recoveries(metrics));
            started.push(() -> producer.close(Duration.ofSeconds(5)));
            KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
            producerMetrics.bindTo(metrics);
            binders.push(producerMetrics);

            SubscriptionCatalog catalog = new SubscriptionCatalog(bootstrap, SERVICE + "-subscriptions", new Recoveries(metrics)).start();
            started.push(catalog);
            TargetPolicy targets = new TargetPolicy(config.get(PipelineConfig.ALLOW_PRIVATE_TARGETS));
            WebhookSender tester = new WebhookSender(config.get(PipelineConfig.HTTP_TIMEOUT),
                    TEST_FIRE_CONNECTIONS_PER_ENDPOINT, TEST_FIRE_CONNECTIONS, targets, clock,
                    config.get(PipelineConfig.NEVER_SENT_FIELDS));
            started.push(tester);
            IngestApi api = new IngestApi(new ApiKeys(config.get(PipelineConfig.API_KEYS)), producer, catalog,
                    new SubscriptionPublisher(producer, catalog), targets, tester, clock, metrics,
                    config.get(PipelineConfig.SECRET_ROTATION_GRACE),
                    new ForwardedRoutes(config.get(PipelineConfig.DISPATCHER_URL), config.get(PipelineConfig.RETRY_URL)));

            IngestStreamsApp streams = IngestStreamsApp.start(config, clock, metrics);
            started.push(streams);
            // Streams' own meters follow the client: a rebuilt client (after it stopped for good) is bound anew.
            AtomicReference<KafkaStreamsMetrics> streamsMetrics = new AtomicReference<>();
            streams.supervised().onEachStart(client -> {
                KafkaStreamsMetrics bound = new KafkaStreamsMetrics(client);
                bound.bindTo(metrics);
                closeQuietly(streamsMetrics.getAndSet(bound));
            });
            binders.push(() -> closeQuietly(streamsMetrics.get()));
            // The gate's backlog: events accepted on events.* that it has not processed yet (the alert
            // in the README fires on it while it recovers from a failure or falls behind).
            ConsumerLag gateLag = ConsumerLag.start(bootstrap, IngestStreamsApp.APPLICATION_ID, Topics.EVENT_TOPICS,
                    SERVICE + "-lag", metrics);
            binders.push(gateLag);

            if (!catalog.awaitCaughtUp(CATALOG_LOAD_TIMEOUT)) {
                log.warn("The subscription catalog has not loaded within {}; subscription requests answer 503 until it has",
                        CATALOG_LOAD_TIMEOUT);
            }
            Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
            health.put("kafka-producer", () -> api.kafkaWritable() && KafkaClients.connected(producer.metrics()));
            health.put("subscriptions", catalog::isConnected);
            health.put("ingest-streams", streams::isRunning);
            Javalin http = HttpApi.start(SERVICE, config.get(PipelineConfig.INGEST_HTTP_PORT), health, metrics, api::routes);
            if (config.get(PipelineConfig.API_KEYS).isEmpty()) {
                log.warn("WEBHOOKS_API_KEYS is unset: every API request answers 401");
            }
            log.info("{} listening on port {} (Kafka {})", SERVICE, http.port(), bootstrap);
            return new IngestService(http, streams, producer, catalog, tester, metrics, binders);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.forEach(IngestService::closeQuietly);
            throw new IllegalStateException("Interrupted while starting " + SERVICE, e);
        } catch (RuntimeException e) {
            started.forEach(IngestService::closeQuietly);
            throw e;
        }
    }

    /** The port the API listens on, the actual one when {@code INGEST_HTTP_PORT} is 0. */
    public int httpPort() {
        return httpPort;
    }

    /**
     * Stops in the order that loses nothing: no new requests (test events still in flight are cut
     * off), then the Streams app commits, then the producer sends what it holds, then the catalog
     * stops following. Safe to call twice.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.stop();
        tester.close();
        streams.close();
        producer.flush();
        producer.close(Duration.ofSeconds(5));
        catalog.close();
        binders.forEach(IngestService::closeQuietly);
        metrics.close();
        log.info("{} stopped", SERVICE);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
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
