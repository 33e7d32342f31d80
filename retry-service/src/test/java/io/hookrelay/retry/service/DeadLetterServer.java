package io.hookrelay.retry.service;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.KafkaClients;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The dead-letter routes served on a free port exactly as the retry-service mounts them, with a
 * real HTTP client for them. The clock is fixed, so redriven due times can be asserted exactly.
 */
final class DeadLetterServer implements AutoCloseable {

    static final String OPERATOR_A = "op-a";
    static final String OPERATOR_B = "op-b";
    static final String KEY_A = "key-a-0123456789abcdef";
    static final String KEY_B = "key-b-0123456789abcdef";
    static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

    /** One answer; {@code json} is MissingNode when the body is not JSON. */
    record Response(int status, String text, JsonNode json) {
        String error() {
            return json.path("error").asText(null);
        }
    }

    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final KafkaProducer<String, byte[]> producer;
    private final Javalin http;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param kafkaBootstrap the broker the routes read {@code webhooks.dlq} from
     * @param producerBootstrap the broker redrives are written to (a dead address makes writes fail)
     */
    DeadLetterServer(String kafkaBootstrap, String producerBootstrap, int deliveryTimeoutMs, Duration stallTimeout) {
        PipelineConfig config = PipelineConfig.from(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap,
                "WEBHOOKS_API_KEYS", OPERATOR_A + "=" + KEY_A + "," + OPERATOR_B + "=" + KEY_B,
                "WEBHOOKS_RETRY_SCHEDULE", DeadLetterFixtures.SCHEDULE));
        producer = KafkaClients.durableProducer(producerBootstrap, "dead-letter-test", deliveryTimeoutMs);
        http = HttpApi.start("retry-service", 0, Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                routes -> DeadLetterRoutes.mount(routes, config, clock, producer, stallTimeout));
    }

    /** Served against the shared test broker, as in production. */
    static DeadLetterServer start() {
        String bootstrap = DeadLetterFixtures.bootstrap();
        return new DeadLetterServer(bootstrap, bootstrap, 10_000, Duration.ofSeconds(15));
    }

    Response get(String pathAndQuery, String key) {
        return send(request(pathAndQuery, key).GET());
    }

    Response post(String pathAndQuery, String key, String jsonBody) {
        HttpRequest.Builder b = request(pathAndQuery, key);
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.POST(jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8)));
    }

    private HttpRequest.Builder request(String pathAndQuery, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    private Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode json;
            try {
                json = r.body().isEmpty() ? MissingNode.getInstance() : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                json = MissingNode.getInstance();
            }
            return new Response(r.statusCode(), r.body(), json);
        } catch (IOException e) {
            throw new IllegalStateException("HTTP request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    @Override
    public void close() {
        http.stop();
        producer.close(Duration.ofSeconds(2));
    }
}
