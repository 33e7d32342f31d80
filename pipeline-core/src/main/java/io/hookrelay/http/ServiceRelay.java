package io.hookrelay.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.javalin.http.Context;

/**
 * Asks another Hookrelay service's HTTP API and relays its answer: a dispatcher instance asking the
 * one that holds a partition, ingest-service forwarding the console's delivery-log and dead-letter
 * calls. The caller's {@code Authorization} header goes along unchanged, so the other service checks
 * the key and the operator's scope itself; it is never logged. Redirects are not followed: a
 * service never answers with one, so one would be somebody else's.
 */
public final class ServiceRelay {

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Duration timeout;

    /** @param timeout how long one request waits for the other service's whole answer */
    public ServiceRelay(Duration timeout) {
        this.timeout = timeout;
    }

    /** The other service's answer, to be relayed as it is. */
    public record Answer(int status, byte[] body, String contentType, String retryAfter) {

        /** Writes this answer as the current request's. */
        public void writeTo(Context ctx) {
            if (retryAfter != null) {
                ctx.header("Retry-After", retryAfter);
            }
            ctx.status(status).contentType(contentType == null ? "application/json" : contentType).result(body);
        }
    }

    /** The other service did not answer (refused, reset, timed out); {@link #getMessage()} says which. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends {@code method pathAndQuery} (already percent-encoded) to {@code base}
     * ({@code http://host:port}), with {@code body} of {@code contentType} when the body is not null.
     *
     * @throws Unreachable when no answer came
     */
    public Answer send(URI base, String method, String pathAndQuery, byte[] body, String contentType,
                       String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null && contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(null),
                    r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new Unreachable("did not answer (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("was still being asked when this request was interrupted", e);
        }
    }

    /** {@code http://host:port}, with brackets around an IPv6 literal. */
    public static URI base(String host, int port) {
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    }
}
