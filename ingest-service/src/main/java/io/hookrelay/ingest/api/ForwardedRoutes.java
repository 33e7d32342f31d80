package io.hookrelay.ingest.api;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.hookrelay.http.ApiError;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.http.ServiceRelay;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * The dispatcher's and retry-service's public APIs (contract §5), answered on ingest-service's port
 * too, so the console, served here, and any client need one base URL and no CORS. Each request goes
 * to the service that owns the path exactly as it came (method, path, query, body, the caller's
 * key) and its answer comes back as it is: that service checks the key and the operator's scope,
 * so nothing here widens what a key can see. The key is never logged.
 */
public final class ForwardedRoutes {

    /** A filter redrive or a window recovery can take a while on the other side; the console waits for it. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Seconds a caller should wait after the other service did not answer. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final ServiceRelay relay = new ServiceRelay(TIMEOUT);
    private final URI dispatcher;
    private final URI retry;

    /**
     * @param dispatcher {@code WEBHOOKS_DISPATCHER_URL}
     * @param retry {@code WEBHOOKS_RETRY_URL}
     */
    public ForwardedRoutes(URI dispatcher, URI retry) {
        this.dispatcher = dispatcher;
        this.retry = retry;
    }

    public void routes(RoutesConfig routes) {
        Handler toDispatcher = ctx -> forward(ctx, "dispatcher-service", dispatcher, "WEBHOOKS_DISPATCHER_URL");
        routes.get("/v1/subscriptions/{id}/deliveries", toDispatcher);
        routes.get("/v1/subscriptions/{id}/health", toDispatcher);
        routes.get("/v1/events/{event_id}/deliveries", toDispatcher);
        routes.get("/v1/events/{event_id}/deliveries/{webhook_id}/body", toDispatcher);
        routes.post("/v1/events/{event_id}/resend", toDispatcher);
        routes.post("/v1/subscriptions/{id}/recover", toDispatcher);
        Handler toRetry = ctx -> forward(ctx, "retry-service", retry, "WEBHOOKS_RETRY_URL");
        routes.get("/v1/dead-letters", toRetry);
        routes.post("/v1/dead-letters/redrive", toRetry);
    }

    private void forward(Context ctx, String service, URI base, String setting) {
        // The path as it came, still percent-encoded, so an id is passed on byte for byte.
        String pathAndQuery = ctx.req().getRequestURI() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        byte[] body = ctx.bodyAsBytes();
        try {
            relay.send(base, ctx.method().name(), pathAndQuery, body.length == 0 ? null : body,
                    ctx.header("Content-Type"), ctx.header("Authorization")).writeTo(ctx);
        } catch (ServiceRelay.Unreachable e) {
            ctx.header("Retry-After", RETRY_AFTER_SECONDS);
            throw new ApiError(503, ErrorCodes.SERVICE_UNAVAILABLE, "ingest-service forwards " + ctx.method() + " "
                    + ctx.path() + " to " + service + " at " + base + ", which " + e.getMessage()
                    + "; retry in a few seconds, or check that " + service + " runs there (" + setting + ")", List.of());
        }
    }
}
