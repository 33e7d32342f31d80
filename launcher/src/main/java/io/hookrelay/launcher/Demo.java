package io.hookrelay.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.signing.WebhookSigner;

/**
 * {@code ./run.sh demo}: a sample subscriber on localhost that verifies and prints every webhook it
 * receives, subscribed to every event type through the ingest API, and a trickle of sample events
 * of every family (one a second) sent through that API, the way an operator would.
 */
final class Demo implements AutoCloseable {

    private static final String[] TYPES = {"conversion.registration", "conversion.ftd", "conversion.deposit",
            "kyc.status_changed", "commission.approved", "conversion.qualified", "chargeback.filed",
            "affiliate.status_changed", "conversion.purchase", "commission.pending"};

    private final HttpServer subscriber;
    private final ScheduledExecutorService trickle;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String ingestUrl;
    private final String apiKey;
    private final String operator;
    private final Clock clock;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong verified = new AtomicLong();
    private volatile String secret;

    private Demo(AllInOne all, Clock clock) throws IOException {
        this.clock = clock;
        this.ingestUrl = all.ingestUrl();
        Map.Entry<String, String> key = all.config().get(PipelineConfig.API_KEYS).entrySet().iterator().next();
        this.apiKey = key.getKey();
        this.operator = key.getValue();
        this.subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        this.subscriber.createContext("/webhooks", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                byte[] body = in.readAllBytes();
                String id = ex.getRequestHeaders().getFirst("webhook-id");
                String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
                String sig = ex.getRequestHeaders().getFirst("webhook-signature");
                boolean ok = secret != null && id != null && ts != null && sig != null
                        && WebhookSigner.verify(secret, id, Long.parseLong(ts), body, sig);
                JsonNode payload = Json.MAPPER.readTree(body);
                if (ok) {
                    verified.incrementAndGet();
                }
                System.out.printf("[demo subscriber] %-26s %s  signature %s%n", payload.path("type").asText(), id,
                        ok ? "verified" : "INVALID");
                ex.sendResponseHeaders(204, -1);
            }
        });
        this.trickle = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "demo-events"));
    }

    static Demo start(AllInOne all, Clock clock) {
        try {
            Demo demo = new Demo(all, clock);
            demo.subscriber.start();
            demo.subscribe();
            demo.trickle.scheduleAtFixedRate(demo::sendOne, 1, 1, TimeUnit.SECONDS);
            return demo;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the demo subscriber", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the demo", e);
        }
    }

    private void subscribe() throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + subscriber.getAddress().getPort() + "/webhooks";
        ObjectNode body = Json.object().put("url", url).put("description", "demo subscriber (./run.sh demo)");
        body.putArray("event_types").add("*");
        HttpResponse<String> r = post("/v1/subscriptions", Json.string(body));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("The demo could not subscribe: " + r.statusCode() + " " + r.body());
        }
        JsonNode created = Json.MAPPER.readTree(r.body());
        secret = created.path("secret").asText();
        System.out.printf("[demo] subscriber %s listening at %s, subscribed to every event type%n",
                created.path("id").asText(), url);
    }

    private void sendOne() {
        try {
            String type = TYPES[(int) (sent.getAndIncrement() % TYPES.length)];
            HttpResponse<String> r = post("/v1/events", Json.string(sampleEvent(type)));
            if (r.statusCode() != 202) {
                System.out.printf("[demo] sending %s failed: %d %s%n", type, r.statusCode(), r.body());
            }
        } catch (IOException e) {
            System.out.println("[demo] sending an event failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A plausible event of {@code type}, with the fields its family needs. */
    ObjectNode sampleEvent(String type) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        ObjectNode e = Json.object()
                .put("event_id", "demo-" + UUID.randomUUID())
                .put("event_type", type)
                .put("occurred_at", clock.instant().toString())
                .put("operator_id", operator)
                .put("brand_id", rnd.nextBoolean() ? "luckyspin" : "goldcoast")
                .put("affiliate_id", "aff-" + (100 + rnd.nextInt(5)))
                .put("is_test", true);
        String player = "p-" + Integer.toHexString(rnd.nextInt(1 << 20));
        String amount = (10 + rnd.nextInt(490)) + "." + String.format("%02d", rnd.nextInt(100));
        switch (type.substring(0, type.indexOf('.'))) {
            case "conversion" -> {
                e.put("player_ref", player);
                e.putObject("tracking").put("click_id", "clk-" + rnd.nextInt(1_000_000)).put("sub1", "spring-promo");
                if (!type.equals("conversion.registration")) {
                    e.put("transaction_id", "tx-" + UUID.randomUUID()).put("amount", amount).put("currency", "EUR");
                }
                if (type.equals("conversion.deposit")) {
                    e.put("deposit_count", 2 + rnd.nextInt(10));
                }
            }
            case "kyc" -> {
                e.remove("affiliate_id");
                e.put("player_ref", player).put("status", "approved").put("previous_status", "pending");
            }
            case "chargeback" -> e.put("player_ref", player).put("transaction_id", "cb-" + UUID.randomUUID())
                    .put("original_transaction_id", "tx-" + UUID.randomUUID()).put("amount", amount)
                    .put("currency", "EUR").put("reason_code", "4837");
            case "commission" -> e.put("player_ref", player).put("commission_id", "com-" + UUID.randomUUID())
                    .put("model", "CPA").put("amount", amount).put("currency", "EUR");
            default -> e.put("status", "active").put("previous_status", "pending");
        }
        return e;
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ingestUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Deliveries the sample subscriber received with a valid signature. */
    long verifiedDeliveries() {
        return verified.get();
    }

    @Override
    public void close() {
        trickle.shutdownNow();
        subscriber.stop(0);
    }
}
