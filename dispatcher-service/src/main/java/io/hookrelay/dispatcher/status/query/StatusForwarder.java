package io.hookrelay.dispatcher.status.query;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks the dispatcher instance that holds a partition for its part of an answer, over its HTTP port
 * ({@code /internal/status/...}). The caller's {@code Authorization} header goes along unchanged, so
 * the owner checks the key and the operator's scope itself; it is never logged.
 */
public final class StatusForwarder {

    /** One instance asking another waits this long; past it the caller gets a retriable 503. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** The owner's answer, relayed as it is. */
    public record Answer(int status, byte[] body, String retryAfter) {
    }

    Answer get(HostInfo owner, String pathAndQuery, String authorization) {
        return send(owner, HttpRequest.newBuilder(uri(owner, pathAndQuery)).GET(), authorization);
    }

    public Answer post(HostInfo owner, String path, byte[] json, String authorization) {
        return send(owner, HttpRequest.newBuilder(uri(owner, path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)), authorization);
    }

    private Answer send(HostInfo owner, HttpRequest.Builder request, String authorization) {
        request.timeout(TIMEOUT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new StatusUnavailable("The dispatcher instance at " + owner.host() + ":" + owner.port()
                    + " that holds this part of the delivery status did not answer (" + e.getClass().getSimpleName()
                    + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatusUnavailable("Interrupted while asking " + owner.host() + ":" + owner.port(), e);
        }
    }

    private static URI uri(HostInfo owner, String pathAndQuery) {
        // An IPv6 literal needs brackets in a URI.
        String host = owner.host().contains(":") ? "[" + owner.host() + "]" : owner.host();
        return URI.create("http://" + host + ":" + owner.port() + pathAndQuery);
    }
}
