package io.hookrelay.dispatcher.status;

import java.time.Clock;
import java.time.Duration;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.dispatcher.status.guard.EndpointGuard;
import io.hookrelay.dispatcher.status.query.StatusForwarder;
import io.hookrelay.dispatcher.status.query.StatusQueries;
import io.hookrelay.dispatcher.status.query.StatusRoutes;
import io.hookrelay.dispatcher.status.redelivery.AcceptedEvents;
import io.hookrelay.dispatcher.status.redelivery.DeliveryBodies;
import io.hookrelay.dispatcher.status.redelivery.Redeliveries;
import io.hookrelay.dispatcher.status.redelivery.RedeliveryRoutes;
import io.hookrelay.dispatcher.status.store.StatusSettings;
import io.hookrelay.dispatcher.status.store.StatusStreamsApp;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.config.RoutesConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The delivery log and endpoint health of a dispatcher instance: the {@code hookrelay-status}
 * Streams app and its query API. Composed by the dispatcher in three steps, because interactive
 * queries need the HTTP port before Streams starts: {@link #create}, {@link #mount} the routes while
 * the HTTP server is built, then {@link #start} with the port it got.
 */
public final class StatusService implements AutoCloseable {

    /** How long reading events back for a resend, recover or delivery body may go without progress before it fails as unavailable. */
    static final Duration READ_STALL_TIMEOUT = Duration.ofSeconds(15);

    private final PipelineConfig config;
    private final StatusSettings settings;
    private final Clock clock;
    private final SubscriptionCatalog catalog;
    private final MeterRegistry meters;
    private final StatusQueries queries;
    private final StatusRoutes routes;
    private final Redeliveries redeliveries;
    private final RedeliveryRoutes redeliveryRoutes;
    private final DeliveryBodies bodies;
    private volatile StatusStreamsApp app;
    private boolean closed;

    private StatusService(PipelineConfig config, Clock clock, SubscriptionCatalog catalog,
                          Producer<String, byte[]> producer, WebhookSender sender, MeterRegistry meters) {
        this.config = config;
        this.settings = StatusSettings.from(config);
        this.clock = clock;
        this.catalog = catalog;
        this.meters = meters;
        this.queries = new StatusQueries(settings, clock);
        ApiKeys keys = new ApiKeys(config.get(PipelineConfig.API_KEYS));
        StatusForwarder forwarder = new StatusForwarder();
        this.routes = new StatusRoutes(keys, catalog, queries, forwarder, new EndpointGuard(settings, clock), clock);
        AcceptedEvents events = new AcceptedEvents(config.bootstrapServers(), READ_STALL_TIMEOUT);
        this.redeliveries = new Redeliveries(events, producer, config.get(PipelineConfig.RETRY_SCHEDULE), clock, meters);
        this.redeliveryRoutes = new RedeliveryRoutes(keys, catalog, queries, forwarder, routes, redeliveries);
        this.bodies = new DeliveryBodies(keys, catalog, queries, routes, events, sender);
    }

    /**
     * @param catalog  this instance's subscription view: for scoping queries and for the disable rule
     * @param producer a durable producer (acks=all, idempotent) for the deliveries resend and recover write
     * @param sender   the sender attempts go through: a delivery's body is rendered with it
     * @param meters   where resend and recover count what they did
     */
    public static StatusService create(PipelineConfig config, Clock clock, SubscriptionCatalog catalog,
                                       Producer<String, byte[]> producer, WebhookSender sender, MeterRegistry meters) {
        return new StatusService(config, clock, catalog, producer, sender, meters);
    }

    /**
     * Adds the status, resend, recover and delivery-body routes; they answer 503 until {@link #start}
     * and while stores restore.
     */
    public void mount(RoutesConfig r) {
        routes.mount(r);
        redeliveryRoutes.mount(r);
        bodies.mount(r);
    }

    /**
     * Starts the Streams app, advertising {@code DISPATCHER_ADVERTISED_HOST:httpPort} to the other
     * instances for interactive queries. Returns at once.
     */
    public synchronized void start(int httpPort) {
        if (closed || app != null) {
            throw new IllegalStateException("The status service was already started or closed");
        }
        HostInfo self = new HostInfo(config.get(PipelineConfig.DISPATCHER_ADVERTISED_HOST), httpPort);
        app = StatusStreamsApp.start(config, settings, clock, catalog, self, meters);
        // Queries follow the client: a rebuilt one (after it stopped for good) is queried from then on.
        app.supervised().onEachStart(client -> queries.attach(client, self));
    }

    /** True when the Streams app is RUNNING (not starting, restoring or rebalancing). */
    public boolean isRunning() {
        StatusStreamsApp a = app;
        return a != null && a.isRunning();
    }

    /** Closes the Streams app, leaving its group. Safe to call twice, or before {@link #start}. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        redeliveries.close();
        if (app != null) {
            app.close();
        }
    }
}
