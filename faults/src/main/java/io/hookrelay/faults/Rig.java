package io.hookrelay.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.kafka.embedded.BrokerProcess;
import io.hookrelay.kafka.embedded.EmbeddedKafka;

/**
 * One scenario's world, fresh each time: a broker in its own JVM (behind a {@link TcpProxy} when
 * asked), the pipeline's processes, the subscriber and the traffic. Everything writes its log under
 * the scenario's directory.
 */
final class Rig implements AutoCloseable {

    final Path dir;
    final BrokerProcess broker;
    final TcpProxy proxy;
    final List<ServiceProcess> services = new ArrayList<>();
    final Subscriber subscriber;
    final Traffic traffic;
    final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    private int probes;

    private Rig(Path dir, BrokerProcess broker, TcpProxy proxy, Subscriber subscriber, int batchSize, Duration giveUp) {
        this.dir = dir;
        this.broker = broker;
        this.proxy = proxy;
        this.subscriber = subscriber;
        this.apiKey = "key_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        this.traffic = new Traffic(this::ingestUrl, apiKey, broker.bootstrap(), batchSize, giveUp);
    }

    /**
     * Starts the broker, then each of {@code modes} ({@code all}, or {@code ingest}, {@code dispatcher},
     * {@code retry}) with the pipeline's settings plus {@code env}.
     */
    static Rig start(Path dir, List<String> modes, Map<String, String> env, boolean viaProxy, int partitions,
                     int batchSize, Duration giveUp) throws IOException {
        // Fresh each run: a broker directory left by an earlier run was formatted for another cluster and quorum.
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        BrokerProcess broker;
        TcpProxy proxy = null;
        if (viaProxy) {
            int brokerPort = EmbeddedKafka.freePort();
            proxy = TcpProxy.start(EmbeddedKafka.freePort(), brokerPort);
            broker = BrokerProcess.create(dir.resolve("broker"), dir.resolve("broker.log"), brokerPort, proxy.port());
        } else {
            broker = BrokerProcess.create(dir.resolve("broker"), dir.resolve("broker.log"), 0);
        }
        broker.start();
        Subscriber subscriber = Subscriber.start();
        Rig rig = null;
        try {
            rig = new Rig(dir, broker, proxy, subscriber, batchSize, giveUp);
            Map<String, String> pipelineEnv = new LinkedHashMap<>();
            pipelineEnv.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap());
            pipelineEnv.put("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true");
            pipelineEnv.put("WEBHOOKS_PARTITIONS", Integer.toString(partitions));
            pipelineEnv.put("WEBHOOKS_API_KEYS", Traffic.OPERATOR + "=" + rig.apiKey);
            pipelineEnv.putAll(env);
            for (String mode : modes) {
                ServiceProcess s = new ServiceProcess(mode, pipelineEnv, dir.resolve("data-" + mode), dir.resolve(mode + ".log"));
                rig.services.add(s);
                s.start();
            }
            return rig;
        } catch (RuntimeException e) {
            if (rig != null) {
                rig.close();
            } else {
                subscriber.close();
                broker.close();
            }
            throw e;
        }
    }

    ServiceProcess service(String mode) {
        return services.stream().filter(s -> s.mode().equals(mode)).findFirst()
                .orElseThrow(() -> new IllegalStateException("No " + mode + " process in this scenario"));
    }

    private ServiceProcess front(String service) {
        return services.stream().filter(s -> s.mode().equals("all") || s.mode().equals(service)).findFirst()
                .orElseThrow(() -> new IllegalStateException("No process serves " + service));
    }

    String ingestUrl() {
        return front("ingest").ingestUrl();
    }

    String retryUrl() {
        return front("retry").retryUrl();
    }

    /** Creates a subscription to every conversion event (of {@code brand} only, when given); returns its id. */
    String subscribe(String url, String brand) throws IOException, InterruptedException {
        ObjectNode body = Json.object().put("url", url).put("description", "fault suite");
        body.set("event_types", Json.MAPPER.createArrayNode().add("conversion.*"));
        if (brand != null) {
            body.set("filter", Json.object().set("brand_id", Json.MAPPER.createArrayNode().add(brand)));
        }
        HttpResponse<String> r = call("POST", ingestUrl() + "/v1/subscriptions", Json.string(body));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("Creating the subscription to " + url + " failed: " + r.statusCode() + " " + r.body());
        }
        return Json.MAPPER.readTree(r.body()).get("id").asText();
    }

    /**
     * Sends probe events of {@code brand} until one arrives at {@code path}: the subscription has reached
     * the dispatcher and the pipeline delivers. Probes are not counted in any scenario.
     */
    void awaitDelivering(String path, String brand) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            String id = "probe-" + (++probes);
            HttpResponse<String> r = call("POST", ingestUrl() + "/v1/events", "[" + Traffic.event(id, brand) + "]");
            long until = System.currentTimeMillis() + 5_000;
            while (r.statusCode() == 202 && System.currentTimeMillis() < until) {
                if (!subscriber.seen(path).isEmpty() && subscriber.seen(path).keySet().stream().anyMatch(k -> k.startsWith("probe-"))) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("No probe event reached " + path + " within 180 s; see the logs in " + dir);
    }

    HttpResponse<String> call(String method, String url, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(HttpResponse<String> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    /** Every process's /health now, and whether it is alive. */
    Map<String, Object> health() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ServiceProcess s : services) {
            out.put(s.mode() + (s.alive() ? "" : " (process exited)"), s.health());
        }
        return out;
    }

    @Override
    public void close() {
        traffic.close();
        for (ServiceProcess s : services) {
            s.close();
        }
        subscriber.close();
        broker.close();
        if (proxy != null) {
            proxy.close();
        }
    }
}
