package io.hookrelay.ingest.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.hookrelay.contract.Json;

/** A real HTTP client for a service under test: sends requests, answers status and parsed JSON body. */
public final class ApiClient {

    /** One answer; {@code json} is MissingNode when the body is empty or not JSON. */
    public record Response(int status, String contentType, String text, JsonNode json, HttpHeaders headers) {

        public String error() {
            return json.path("error").asText(null);
        }

        public String message() {
            return json.path("message").asText("");
        }

        public JsonNode details() {
            return json.path("details");
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://localhost:" + port;
    }

    public Response get(String path, String key) {
        return send(builder(path, key).GET());
    }

    public Response delete(String path, String key) {
        return send(builder(path, key).DELETE());
    }

    public Response postJson(String path, String key, Object body) {
        return send("POST", path, key, "application/json", body instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                : Json.bytes(body));
    }

    public Response patchJson(String path, String key, Object body) {
        return send("PATCH", path, key, "application/json", Json.bytes(body));
    }

    public Response send(String method, String path, String key, String contentType, byte[] body) {
        HttpRequest.Builder b = builder(path, key).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b);
    }

    /** Sends {@code body} chunked, without a Content-Length. */
    public Response postChunked(String path, String key, byte[] body) {
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofByteArray(body));
        return send(builder(path, key).header("Content-Type", "application/json").POST(chunked));
    }

    /** Sends with exactly this Authorization header value, or none when null. */
    public Response postWithAuthorization(String path, String authorization, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b);
    }

    private HttpRequest.Builder builder(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    private Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode json;
            try {
                json = r.body().isEmpty() ? MissingNode.getInstance() : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                json = MissingNode.getInstance();
            }
            return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body(), json, r.headers());
        } catch (IOException e) {
            throw new IllegalStateException("HTTP request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
