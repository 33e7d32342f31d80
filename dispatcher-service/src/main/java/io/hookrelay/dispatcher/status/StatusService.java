package io.hookrelay.dispatcher.status;

import java.time.Clock;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.config.RoutesConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The delivery log and endpoint health of a dispatcher instance: the {@code hookrelay-status}
 * Streams app and its query API. Composed by the dispatcher in three steps, because interactive
 * queries need the HTTP port before Streams starts: {@link #create}, {@link #mount} the routes while
 * the HTTP server is built, then {@link #start} with the port it got.
 */
public final class StatusService implements AutoCloseable {

    private final PipelineConfig config;
    private final StatusSettings settings;
    private final Clock clock;
    private final SubscriptionCatalog catalog;
    private final StatusQueries queries;
    private final StatusRoutes routes;
    private volatile StatusStreamsApp app;
    private boolean closed;

    private StatusService(PipelineConfig config, Clock clock, SubscriptionCatalog catalog) {
        this.config = config;
        this.settings = StatusSettings.from(config);
        this.clock = clock;
        this.catalog = catalog;
        this.queries = new StatusQueries(settings, clock);
        this.routes = new StatusRoutes(new ApiKeys(config.get(PipelineConfig.API_KEYS)), catalog, queries,
                new StatusForwarder(), new EndpointGuard(settings, clock), clock);
    }

    /** @param catalog this instance's subscription view: for scoping queries and for the disable rule */
    public static StatusService create(PipelineConfig config, Clock clock, SubscriptionCatalog catalog) {
        return new StatusService(config, clock, catalog);
    }

    /** Adds the status routes; they answer 503 until {@link #start} and while stores restore. */
    public void mount(RoutesConfig r) {
        routes.mount(r);
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
        app = StatusStreamsApp.start(config, settings, clock, catalog, self);
        queries.attach(app.streams(), self);
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
        if (app != null) {
            app.close();
        }
    }
}
