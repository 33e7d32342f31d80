package io.hookrelay.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Serves the operator console under {@code /console/}: a fixed set of files packaged in this jar,
 * read once at start, so no request path ever reaches the file system or the class path (nothing to
 * traverse) and the console works offline. Every console response carries the headers that keep
 * what the console shows from running as code: a Content-Security-Policy allowing scripts, styles
 * and requests only from this origin (no inline script, no {@code eval}), no framing, no sniffing,
 * no referrer. The console itself holds no data and no privileges: it calls the public API with the
 * key the operator pastes, like any other client.
 */
public final class ConsoleRoutes {

    /** Where the console is served; the banner of {@code ./run.sh} prints it. */
    public static final String PATH = "/console/";

    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'");

    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    private final Map<String, byte[]> assets = new LinkedHashMap<>();

    public ConsoleRoutes() {
        for (String name : TYPES.keySet()) {
            assets.put(name, read(name));
        }
    }

    /** Registers {@code GET /console}, {@code /console/} and {@code /console/<asset>}. */
    public void routes(RoutesConfig routes) {
        // Javalin ignores trailing slashes, so /console and /console/ are one route; the page
        // refers to its assets by absolute path, so either works.
        routes.get("/console", ctx -> send(ctx, "index.html"));
        routes.get("/console/{asset}", ctx -> {
            String name = ctx.pathParam("asset");
            if (!assets.containsKey(name)) {
                // The service's 404 handler writes the body, in the API's error shape.
                securityHeaders(ctx);
                ctx.status(404);
                return;
            }
            send(ctx, name);
        });
    }

    private void send(Context ctx, String name) {
        securityHeaders(ctx);
        // Assets change with the jar: revalidate rather than run a stale console against a newer API.
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(TYPES.get(name)).result(assets.get(name));
    }

    static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("assets/" + name)) {
            if (in == null) {
                throw new IllegalStateException("Console asset missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read console asset " + name, e);
        }
    }
}
