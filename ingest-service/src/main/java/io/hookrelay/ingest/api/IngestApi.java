package io.hookrelay.ingest.api;

import java.time.Clock;
import java.time.Duration;

import io.hookrelay.console.ConsoleRoutes;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.subscription.TargetPolicy;
import io.javalin.config.RoutesConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.Producer;

/**
 * The ingest-service HTTP API of contract §5: {@code POST /v1/events} and the
 * {@code /v1/subscriptions} resource, with its test-fire route; the other services' APIs, forwarded
 * ({@link ForwardedRoutes}); and the operator console at {@code /console/}. It holds no state of its
 * own beyond what Kafka holds, so it can be served by {@link io.hookrelay.http.HttpApi} with or
 * without the ingest Streams app.
 */
public final class IngestApi {

    private final EventsEndpoint events;
    private final SubscriptionsEndpoint subscriptions;
    private final WriteHealth health = new WriteHealth();
    private final ConsoleRoutes console = new ConsoleRoutes();
    private final ForwardedRoutes forwarded;
    private final CatalogueEndpoint catalogue;

    /**
     * @param producer a durable producer; its delivery timeout bounds how long a write waits before 503
     * @param catalog a started catalog of {@code webhooks.subscriptions}
     * @param publisher writes through {@code producer} and applies acknowledged writes to {@code catalog}
     * @param tester sends the test events of {@code POST /v1/subscriptions/{id}/test}; its target policy
     *               is checked again at connect time, as for deliveries
     * @param rotationGrace how long a rotated-out secret keeps signing ({@code WEBHOOKS_SECRET_ROTATION_GRACE})
     * @param forwarded the dispatcher's and retry-service's APIs, answered here too
     */
    public IngestApi(ApiKeys keys, Producer<String, byte[]> producer, SubscriptionCatalog catalog,
                     SubscriptionPublisher publisher, TargetPolicy targets, WebhookSender tester, Clock clock,
                     MeterRegistry metrics, Duration rotationGrace, ForwardedRoutes forwarded) {
        this.events = new EventsEndpoint(keys, producer, health, metrics, clock);
        this.subscriptions = new SubscriptionsEndpoint(keys, catalog, publisher, targets, clock, health,
                new TestFire(tester, clock), rotationGrace);
        this.forwarded = forwarded;
        this.catalogue = new CatalogueEndpoint(keys);
    }

    /** Registers the API's routes; pass as the routes of {@link io.hookrelay.http.HttpApi#start}. */
    public void routes(RoutesConfig routes) {
        routes.post("/v1/events", events::post);
        routes.post("/v1/subscriptions", subscriptions::create);
        routes.post("/v1/subscriptions/preview", subscriptions::preview);
        routes.get("/v1/subscriptions", subscriptions::list);
        routes.get("/v1/subscriptions/{id}", subscriptions::get);
        routes.get("/v1/subscriptions/{id}/secret", subscriptions::secret);
        routes.post("/v1/subscriptions/{id}/secret/rotate", subscriptions::rotateSecret);
        routes.patch("/v1/subscriptions/{id}", subscriptions::patch);
        routes.delete("/v1/subscriptions/{id}", subscriptions::delete);
        routes.post("/v1/subscriptions/{id}/test", subscriptions::test);
        routes.get("/v1/event-types", catalogue::eventTypes);
        // The delivery log, health, redelivery and dead letters live on the other services; answered
        // here too, the console served beside them (and any client) needs one base URL and no CORS.
        forwarded.routes(routes);
        console.routes(routes);
    }

    /** False after a write to Kafka failed, until one succeeds: the producer's health check. */
    public boolean kafkaWritable() {
        return health.writable();
    }
}
