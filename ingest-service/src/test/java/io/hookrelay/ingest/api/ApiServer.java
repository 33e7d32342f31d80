package io.hookrelay.ingest.api;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.ServiceRelay;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.subscription.TargetPolicy;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;

/** The ingest API alone (no Streams app) on a free port, wired to a real broker as the service wires it. */
final class ApiServer implements AutoCloseable {

    static final String OPERATOR_A = "op-a";
    static final String OPERATOR_B = "op-b";
    static final String KEY_A = "key-a-0123456789abcdef";
    static final String KEY_B = "key-b-0123456789abcdef";
    static final Map<String, String> KEYS = Map.of(KEY_A, OPERATOR_A, KEY_B, OPERATOR_B);

    /** How long a test event may take per step; the closed-port and 500 cases answer at once. */
    static final Duration TEST_FIRE_TIMEOUT = Duration.ofSeconds(5);

    /** WEBHOOKS_SECRET_ROTATION_GRACE of the API under test. */
    static final Duration ROTATION_GRACE = Duration.ofHours(1);

    final KafkaProducer<String, byte[]> producer;
    final SubscriptionCatalog catalog;
    final IngestApi api;
    final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final WebhookSender tester;
    private final Javalin http;

    /** Where the forwarded routes go unless a test names its own services: a port nothing listens on. */
    static final URI NO_SERVICE = ServiceRelay.base("127.0.0.1", 1);

    private ApiServer(String bootstrap, boolean allowPrivate, int deliveryTimeoutMs, URI dispatcher, URI retry) {
        producer = KafkaClients.durableProducer(bootstrap, "ingest-api-test", deliveryTimeoutMs);
        catalog = new SubscriptionCatalog(bootstrap, "ingest-api-test-catalog").start();
        TargetPolicy targets = new TargetPolicy(allowPrivate);
        Clock clock = new TickingClock();
        tester = new WebhookSender(TEST_FIRE_TIMEOUT, 2, 16, targets, clock);
        api = new IngestApi(new ApiKeys(KEYS), producer, catalog, new SubscriptionPublisher(producer, catalog),
                targets, tester, clock, metrics, ROTATION_GRACE, new ForwardedRoutes(dispatcher, retry));
        Map<String, Supplier<Boolean>> health = Map.of("kafka-producer", api::kafkaWritable,
                "subscriptions", catalog::isConnected);
        http = HttpApi.start("ingest-service", 0, health, metrics, api::routes);
    }

    /** Starts the API and waits until its subscription catalog has loaded the topic. */
    static ApiServer start(String bootstrap, boolean allowPrivate, int deliveryTimeoutMs) throws InterruptedException {
        return start(bootstrap, allowPrivate, deliveryTimeoutMs, NO_SERVICE, NO_SERVICE);
    }

    /** As {@link #start(String, boolean, int)}, forwarding to the given dispatcher and retry-service. */
    static ApiServer start(String bootstrap, boolean allowPrivate, int deliveryTimeoutMs, URI dispatcher, URI retry)
            throws InterruptedException {
        ApiServer s = new ApiServer(bootstrap, allowPrivate, deliveryTimeoutMs, dispatcher, retry);
        if (!s.catalog.awaitCaughtUp(Duration.ofSeconds(30))) {
            s.close();
            throw new IllegalStateException("The subscription catalog did not load within 30 s");
        }
        return s;
    }

    /** Starts the API without waiting for Kafka, for brokers that are not there. */
    static ApiServer startUnchecked(String bootstrap, int deliveryTimeoutMs) {
        return new ApiServer(bootstrap, false, deliveryTimeoutMs, NO_SERVICE, NO_SERVICE);
    }

    ApiClient client() {
        return new ApiClient(http.port());
    }

    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
        tester.close();
        producer.close(Duration.ofSeconds(2));
        catalog.close();
    }

    /** A clock one second further on at every reading, so creation times are distinct and ordered. */
    static final class TickingClock extends Clock {
        private final AtomicLong seconds = new AtomicLong(Instant.parse("2026-11-27T10:00:00Z").getEpochSecond());

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(seconds.getAndIncrement());
        }
    }
}
