package io.hookrelay.dispatcher.status;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** Builders, an API client and probes shared by the status tests. */
final class StatusFixtures {

    static final String OPERATOR_A = "op-a";
    static final String OPERATOR_B = "op-b";
    static final String KEY_A = "key-a-0123456789abcdef";
    static final String KEY_B = "key-b-0123456789abcdef";
    static final Duration WAIT = Duration.ofSeconds(45);

    private StatusFixtures() {
    }

    /** A dispatcher configuration: the local receiver allowed, HTTP on any free port, its own data directory. */
    static PipelineConfig config(String bootstrap, Path dataDir, String... overrides) {
        Map<String, String> env = new HashMap<>(KafkaTestClient.env(bootstrap,
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "DISPATCHER_HTTP_PORT", "0", "WEBHOOKS_PARTITIONS", "3",
                "WEBHOOKS_API_KEYS", OPERATOR_A + "=" + KEY_A + "," + OPERATOR_B + "=" + KEY_B,
                "WEBHOOKS_DATA_DIR", dataDir.toString()));
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return PipelineConfig.from(env);
    }

    static Path tempDir(String name) {
        try {
            return Files.createTempDirectory("hookrelay-status-" + name + "-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A subscription to every event of the operator, made now, as the ingest API would make it. */
    static Subscription subscription(String operatorId, String url) {
        return subscription(operatorId, url, Subscription.Filter.NONE);
    }

    /** A subscription to the operator's events of one brand only, so a test's events reach its own subscriptions. */
    static Subscription subscription(String operatorId, String url, String brandId) {
        return subscription(operatorId, url, new Subscription.Filter(List.of(brandId), List.of()));
    }

    private static Subscription subscription(String operatorId, String url, Subscription.Filter filter) {
        return builder(operatorId, url, filter).build();
    }

    /** {@link #subscription(String, String, String)} still to be given payload controls or a postback. */
    static Subscription.Builder builder(String operatorId, String url, String brandId) {
        return builder(operatorId, url, new Subscription.Filter(List.of(brandId), List.of()));
    }

    private static Subscription.Builder builder(String operatorId, String url, Subscription.Filter filter) {
        Instant now = Instant.now();
        return Subscription.builder(Secrets.newSubscriptionId(), operatorId, url).eventTypes("*").filter(filter)
                .description("status test").enabled(true).secret(Secrets.newSecret()).createdAt(now).updatedAt(now);
    }

    /** Writes a subscription change straight to the compacted topic, as the ingest API would. */
    static void put(KafkaTestClient client, Subscription s) {
        client.send(Topics.SUBSCRIPTIONS, s.id(), Json.bytes(s));
    }

    /** Writes {@code s} and waits until {@code dispatcher} knows it (its health answers instead of 404). */
    static Subscription subscribe(KafkaTestClient client, DispatcherService dispatcher, String key, Subscription s) {
        put(client, s);
        await().atMost(WAIT).until(() -> get(dispatcher, "/v1/subscriptions/" + s.id() + "/health", key).status() == 200);
        return s;
    }

    /** A canonical event (contract §3). */
    static ObjectNode event(String operatorId, String eventId) {
        ObjectNode json = Json.object();
        json.put("event_id", eventId);
        json.put("event_type", "conversion.ftd");
        json.put("occurred_at", "2026-11-27T10:00:00Z");
        json.put("operator_id", operatorId);
        json.put("brand_id", "b1");
        json.put("affiliate_id", "a1");
        json.put("player_ref", "p-" + eventId);
        json.put("is_test", false);
        json.put("transaction_id", "t-" + eventId);
        json.put("amount", "10.00");
        json.put("currency", "EUR");
        return json;
    }

    /** Produces an event to webhooks.accepted, as the ingest app would, and waits for the ack. */
    static RecordMetadata accept(KafkaTestClient client, ObjectNode event) {
        try {
            return client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, event.get("player_ref").asText(),
                    Json.bytes(event))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Producing to " + Topics.ACCEPTED + " failed", e);
        }
    }

    /** Waits until the dispatcher group has committed past {@code record}: every delivery of it has its outcome. */
    static void awaitDispatched(Admin admin, RecordMetadata record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            OffsetAndMetadata om = admin.listConsumerGroupOffsets(DispatcherService.GROUP_ID)
                    .partitionsToOffsetAndMetadata().get().get(tp);
            return om != null && om.offset() > record.offset();
        });
    }

    /** An API answer: status, JSON body (null when none), and the Retry-After header. */
    record Answer(int status, JsonNode body, String retryAfter) {
    }

    static Answer get(DispatcherService dispatcher, String path, String key) {
        return get(dispatcher.httpPort(), path, key);
    }

    static Answer get(int port, String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<byte[]> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = r.body().length == 0 ? null : Json.tree(r.body());
            return new Answer(r.statusCode(), body, r.headers().firstValue("Retry-After").orElse(null));
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }

    static Answer post(DispatcherService dispatcher, String path, String key, String json) {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dispatcher.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            HttpResponse<byte[]> a = HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(a.statusCode(), a.body().length == 0 ? null : Json.tree(a.body()),
                    a.headers().firstValue("Retry-After").orElse(null));
        } catch (Exception e) {
            throw new AssertionError("POST " + path + " failed", e);
        }
    }

    /** Asks until the answer is 200 (a store may be restoring or moving: 503) and returns it. */
    static JsonNode getOk(DispatcherService dispatcher, String path, String key) {
        Answer[] last = new Answer[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = get(dispatcher, path, key);
            return last[0].status() == 200;
        });
        return last[0].body();
    }
}
