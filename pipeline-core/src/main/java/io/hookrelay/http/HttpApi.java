package io.hookrelay.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.hookrelay.contract.Json;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of a service: its own routes plus the {@code GET /health} and {@code GET /metrics}
 * every service has (contract §5), and errors in the contract's shape.
 */
public final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private HttpApi() {
    }

    /**
     * Starts a server on {@code port} (0: any free port; {@link Javalin#port()} tells which).
     *
     * @param health named checks; the service is healthy when all answer true
     */
    public static Javalin start(String service, int port, Map<String, Supplier<Boolean>> health,
                                PrometheusMeterRegistry metrics, Consumer<RoutesConfig> routes) {
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            // The ingest API answers 413 itself, with the contract's error body.
            cfg.http.maxRequestSize = 2L * 1024 * 1024;
            cfg.jetty.port = port;
            // Jetty's own 400s (bad Content-Length, bad chunk, body cut short) in the API's shape, not HTML.
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.routes.get("/health", ctx -> {
                Map<String, String> checks = new LinkedHashMap<>();
                boolean up = true;
                for (Map.Entry<String, Supplier<Boolean>> e : health.entrySet()) {
                    boolean ok = Boolean.TRUE.equals(e.getValue().get());
                    checks.put(e.getKey(), ok ? "UP" : "DOWN");
                    up &= ok;
                }
                json(ctx, up ? 200 : 503, Map.of("service", service, "status", up ? "UP" : "DOWN", "checks", checks));
            });
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            routes.accept(cfg.routes);
            cfg.routes.exception(ApiError.class, (e, ctx) -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", e.code());
                body.put("message", e.getMessage());
                body.put("details", e.details());
                json(ctx, e.status(), body);
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                json(ctx, 500, Map.of("error", "internal", "message", "The server failed to handle the request; see its log",
                        "details", java.util.List.of()));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                    json(ctx, 404, Map.of("error", "not_found", "message", "No route for " + ctx.method() + " " + ctx.path(),
                            "details", java.util.List.of()));
                }
            });
        });
        app.start(port);
        return app;
    }

    /** Writes {@code body} as JSON with {@code status}. */
    public static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.bytes(body));
    }
}
