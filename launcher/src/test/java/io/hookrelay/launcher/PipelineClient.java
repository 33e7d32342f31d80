package io.hookrelay.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;

/** Talks to the ingest API the way an operator's code would. */
final class PipelineClient {

    record Answer(int status, JsonNode body) {
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;

    PipelineClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    Answer call(String method, String path, String key, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : Json.string(body)));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body() == null || r.body().isBlank() ? Json.object() : Json.MAPPER.readTree(r.body());
        return new Answer(r.statusCode(), json);
    }

    /** Creates a subscription and returns the API's answer (with id and secret). */
    JsonNode subscribe(String key, String url, String... eventTypes) throws Exception {
        ObjectNode body = Json.object().put("url", url);
        for (String t : eventTypes) {
            body.withArray("event_types").add(t);
        }
        Answer a = call("POST", "/v1/subscriptions", key, body);
        if (a.status() != 201) {
            throw new AssertionError("subscribing failed: " + a.status() + " " + a.body());
        }
        return a.body();
    }

    void send(String key, ObjectNode event) throws Exception {
        Answer a = call("POST", "/v1/events", key, event);
        if (a.status() != 202) {
            throw new AssertionError("sending failed: " + a.status() + " " + a.body());
        }
    }

    static ObjectNode ftd(String operator, String eventId) {
        return Json.object().put("event_id", eventId).put("event_type", "conversion.ftd")
                .put("occurred_at", "2026-11-27T10:15:30Z").put("operator_id", operator).put("brand_id", "luckyspin")
                .put("affiliate_id", "aff-7").put("player_ref", "p-" + eventId).put("transaction_id", "tx-" + eventId)
                .put("amount", "125.50").put("currency", "EUR");
    }
}
