package io.hookrelay.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.hookrelay.http.ServiceRelay;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's and retry-service's APIs answered on ingest's port (contract §5): each request
 * reaches the service that owns its path as it came, and that service's answer comes back as it is.
 * The two services are real local HTTP servers standing in for them, recording what they got.
 */
class ForwardedRoutesTest {

    /** What a stand-in service received. */
    record Received(String method, String pathAndQuery, String authorization, String contentType, String body) {
    }

    static final class StandIn implements AutoCloseable {
        final List<Received> received = new CopyOnWriteArrayList<>();
        final HttpServer server;
        volatile int status = 200;
        volatile String body = "{\"data\":[],\"has_more\":false}";
        volatile String retryAfter;

        StandIn() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                        + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                if (retryAfter != null) {
                    exchange.getResponseHeaders().add("Retry-After", retryAfter);
                }
                exchange.sendResponseHeaders(status, b.length);
                exchange.getResponseBody().write(b);
                exchange.close();
            });
            server.start();
        }

        URI url() {
            return ServiceRelay.base("127.0.0.1", server.getAddress().getPort());
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static StandIn dispatcher;
    static StandIn retry;
    static ApiServer server;
    static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        dispatcher = new StandIn();
        retry = new StandIn();
        server = ApiServer.start(TestKafka.bootstrap(), false, 5_000, dispatcher.url(), retry.url());
        client = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
        dispatcher.close();
        retry.close();
    }

    @BeforeEach
    void reset() {
        for (StandIn s : List.of(dispatcher, retry)) {
            s.received.clear();
            s.status = 200;
            s.body = "{\"data\":[],\"has_more\":false}";
            s.retryAfter = null;
        }
    }

    @Test
    void aDeliveryLogQueryReachesTheDispatcherWithItsPathQueryAndKeyAndItsAnswerComesBackAsItIs() {
        dispatcher.body = "{\"data\":[{\"webhook_id\":\"msg_1\"}],\"has_more\":true}";

        ApiClient.Response r = client.get("/v1/subscriptions/sub_1%2Fx/deliveries?state=failed&limit=5", ApiServer.KEY_A);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("data").get(0).path("webhook_id").asText()).isEqualTo("msg_1");
        assertThat(r.json().path("has_more").asBoolean()).isTrue();
        assertThat(dispatcher.received).containsExactly(new Received("GET",
                "/v1/subscriptions/sub_1%2Fx/deliveries?state=failed&limit=5", "Bearer " + ApiServer.KEY_A, null, ""));
        assertThat(retry.received).isEmpty();
    }

    @Test
    void everyDispatcherPathGoesToTheDispatcher() {
        client.get("/v1/subscriptions/s1/health", ApiServer.KEY_A);
        client.get("/v1/events/e1/deliveries", ApiServer.KEY_A);
        client.postJson("/v1/events/e1/resend", ApiServer.KEY_A, Map.of());
        client.postJson("/v1/subscriptions/s1/recover", ApiServer.KEY_A, Map.of("since", "2026-12-01T00:00:00Z"));
        client.get("/v1/events/e1/deliveries/msg_1/body", ApiServer.KEY_A);

        assertThat(dispatcher.received).extracting(Received::method, Received::pathAndQuery).containsExactly(
                tuple("GET", "/v1/subscriptions/s1/health"),
                tuple("GET", "/v1/events/e1/deliveries"),
                tuple("POST", "/v1/events/e1/resend"),
                tuple("POST", "/v1/subscriptions/s1/recover"),
                tuple("GET", "/v1/events/e1/deliveries/msg_1/body"));
        assertThat(dispatcher.received.get(3).body()).isEqualTo("{\"since\":\"2026-12-01T00:00:00Z\"}");
        assertThat(dispatcher.received.get(3).contentType()).isEqualTo("application/json");
        assertThat(retry.received).isEmpty();
    }

    @Test
    void deadLettersGoToTheRetryServiceAndItsRefusalComesBackUnchanged() {
        retry.status = 400;
        retry.body = "{\"error\":\"invalid_request\",\"message\":\"bad since\",\"details\":[]}";

        ApiClient.Response list = client.get("/v1/dead-letters?reason=http_4xx", ApiServer.KEY_B);
        ApiClient.Response redrive = client.postJson("/v1/dead-letters/redrive", ApiServer.KEY_B,
                Map.of("webhook_ids", List.of("msg_1")));

        assertThat(list.status()).isEqualTo(400);
        assertThat(list.error()).isEqualTo("invalid_request");
        assertThat(list.message()).isEqualTo("bad since");
        assertThat(redrive.status()).isEqualTo(400);
        assertThat(retry.received).extracting(Received::pathAndQuery)
                .containsExactly("/v1/dead-letters?reason=http_4xx", "/v1/dead-letters/redrive");
        assertThat(retry.received.get(1).body()).isEqualTo("{\"webhook_ids\":[\"msg_1\"]}");
        assertThat(retry.received).extracting(Received::authorization).containsOnly("Bearer " + ApiServer.KEY_B);
        assertThat(dispatcher.received).isEmpty();
    }

    @Test
    void theOtherServicesRetryHintIsPassedOn() {
        dispatcher.status = 503;
        dispatcher.retryAfter = "1";
        dispatcher.body = "{\"error\":\"status_unavailable\",\"message\":\"restoring\",\"details\":[]}";

        ApiClient.Response r = client.get("/v1/subscriptions/s1/health", ApiServer.KEY_A);

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.error()).isEqualTo("status_unavailable");
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
    }

    @Test
    void aServiceThatDoesNotAnswerIsARetriable503NamingItAndItsSetting() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        URI nowhere = ServiceRelay.base("127.0.0.1", closed);
        try (ApiServer alone = ApiServer.start(TestKafka.bootstrap(), false, 5_000, nowhere, nowhere)) {
            ApiClient.Response r = alone.client().get("/v1/dead-letters", ApiServer.KEY_A);

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("service_unavailable");
            assertThat(r.message()).contains("retry-service at " + nowhere).contains("WEBHOOKS_RETRY_URL")
                    .doesNotContain(ApiServer.KEY_A);
            assertThat(r.headers().firstValue("Retry-After")).contains("5");
        }
    }

    @Test
    void aPathNoServiceOwnsIsIngestsOwn404AndIsNotForwarded() {
        ApiClient.Response r = client.get("/v1/dead-letters/msg_1", ApiServer.KEY_A);

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("not_found");
        assertThat(dispatcher.received).isEmpty();
        assertThat(retry.received).isEmpty();
    }
}
