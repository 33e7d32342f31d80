package io.hookrelay.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.console.ConsoleRoutes;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.ingest.IngestService;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.service.RetryService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three services in one process: the all-in-one mode of {@code ./run.sh}. With no
 * {@code KAFKA_BOOTSTRAP_SERVERS} it first starts an embedded single-node KRaft broker whose data
 * is kept under {@code WEBHOOKS_DATA_DIR}, and fills in a demo operator key. The dispatcher and the
 * retry-service share one {@link SubscriptionLimiter}, so per-subscription limits hold for the
 * process, first attempts and retries together. Closing it stops the
 * demo, then the services (each flushes its producers and closes its Streams app), then the broker.
 */
public final class AllInOne implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AllInOne.class);
    public static final String DEMO_OPERATOR = "demo";

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private PipelineConfig config;
    private String apiKey;
    private IngestService ingest;
    private DispatcherService dispatcher;
    private RetryService retry;
    private EmbeddedKafka broker;
    private Demo demo;

    private AllInOne() {
    }

    /**
     * Starts everything; on failure stops what had started and rethrows.
     *
     * @param env the process environment, to tell which settings the user set
     */
    public static AllInOne start(PipelineConfig config, Map<String, String> env, boolean withDemo, Clock clock) {
        AllInOne all = new AllInOne();
        try {
            all.startAll(config, env, withDemo, clock);
            return all;
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
    }

    private void startAll(PipelineConfig base, Map<String, String> env, boolean withDemo, Clock clock) {
        long t0 = System.nanoTime();
        Map<String, String> overrides = new LinkedHashMap<>();
        Path dataDir = base.get(PipelineConfig.DATA_DIR);
        boolean embedded = base.get(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS).isEmpty();
        if (embedded) {
            broker = EmbeddedKafka.start(dataDir.resolve("kafka"), base.get(PipelineConfig.EMBEDDED_KAFKA_PORT));
            started.push(broker);
            overrides.put(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
            if (isUnset(env, PipelineConfig.ALLOW_PRIVATE_TARGETS.name())) {
                overrides.put(PipelineConfig.ALLOW_PRIVATE_TARGETS.name(), "true");
            }
        }
        if (base.get(PipelineConfig.API_KEYS).isEmpty()) {
            apiKey = demoKey(dataDir);
            overrides.put(PipelineConfig.API_KEYS.name(), DEMO_OPERATOR + "=" + apiKey);
        }
        config = base.with(overrides);
        TopicProvisioner.ensure(config);
        // One limiter for the process: a subscription's limits hold for first attempts and retries together.
        SubscriptionLimiter limits = new SubscriptionLimiter();
        retry = RetryService.start(config, clock, limits);
        started.push(retry);
        dispatcher = DispatcherService.start(config, clock, limits);
        started.push(dispatcher);
        // Ingest answers the other services' APIs too (contract §5); here they are this process's own.
        Map<String, String> peers = new LinkedHashMap<>();
        if (isUnset(env, PipelineConfig.DISPATCHER_URL.name())) {
            peers.put(PipelineConfig.DISPATCHER_URL.name(), "http://localhost:" + dispatcher.httpPort());
        }
        if (isUnset(env, PipelineConfig.RETRY_URL.name())) {
            peers.put(PipelineConfig.RETRY_URL.name(), "http://localhost:" + retry.httpPort());
        }
        config = config.with(peers);
        ingest = IngestService.start(config, clock);
        started.push(ingest);
        printBanner(embedded, Duration.ofNanos(System.nanoTime() - t0));
        if (withDemo) {
            demo = Demo.start(this, clock);
            started.push(demo);
        }
    }

    private static boolean isUnset(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank();
    }

    /** A demo key kept in the data directory, so curl commands keep working across restarts. */
    private static String demoKey(Path dataDir) {
        Path file = dataDir.resolve("demo-api-key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String key = "demo_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            Files.createDirectories(dataDir);
            Files.writeString(file, key);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep the demo API key in " + file, e);
        }
    }

    private void printBanner(boolean embedded, Duration took) {
        StringBuilder b = new StringBuilder("\n");
        b.append("Hookrelay is running (started in ").append(took.toMillis()).append(" ms)\n");
        b.append("  Kafka        ").append(config.bootstrapServers())
                .append(embedded ? "  (embedded broker; data in " + config.get(PipelineConfig.DATA_DIR).toAbsolutePath() + ")" : "")
                .append('\n');
        b.append("  ingest       ").append(ingestUrl()).append("   (POST /v1/events, /v1/subscriptions)\n");
        b.append("  console      ").append(ingestUrl()).append(ConsoleRoutes.PATH)
                .append("   (sign in with an operator API key)\n");
        b.append("  dispatcher   http://localhost:").append(dispatcher.httpPort()).append('\n');
        b.append("  retry        http://localhost:").append(retry.httpPort()).append('\n');
        if (apiKey != null) {
            b.append("  API key      ").append(apiKey).append("   (operator '").append(DEMO_OPERATOR)
                    .append("'; export HOOKRELAY_KEY=").append(apiKey).append(")\n");
        }
        if (embedded && config.get(PipelineConfig.ALLOW_PRIVATE_TARGETS)) {
            b.append("  Note         WEBHOOKS_ALLOW_PRIVATE_TARGETS=true in the embedded default, so local test"
                    + " endpoints can subscribe; set it to false to refuse private addresses.\n");
        }
        b.append("Ctrl-C stops everything cleanly.\n");
        // The banner is for the person at the terminal; it carries the demo key on purpose.
        System.out.println(b);
    }

    public String ingestUrl() {
        return "http://localhost:" + ingest.httpPort();
    }

    /** The generated demo key, or null when WEBHOOKS_API_KEYS was set. */
    public String apiKey() {
        return apiKey;
    }

    public PipelineConfig config() {
        return config;
    }

    public int dispatcherPort() {
        return dispatcher.httpPort();
    }

    /** Deliveries the demo's sample subscriber verified; 0 without the demo. */
    public long demoDeliveriesVerified() {
        return demo == null ? 0 : demo.verifiedDeliveries();
    }

    public int retryPort() {
        return retry.httpPort();
    }

    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Stopping {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
