package io.hookrelay.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Runs one scenario end to end: a fresh {@link BenchPipeline} (a broker process and the pipeline's
 * all-in-one, or S0's plain consumer, in another), subscriptions through the ingest API, one
 * warm-up event per subscription (which also proves the dispatcher's catalog has them all), then
 * canonical JSON events produced to {@code events.conversion}, and the receiver's record of what
 * arrived. Each event matches exactly one subscription (by {@code brand_id} filter), so an event id
 * stands for one expected delivery. Around the measured part it reads each process's CPU time and
 * what the broker holds per topic, for the costs per delivery.
 */
final class Scenarios {

    static final String WARM_UP_PREFIX = "warm-";
    static final String OPERATOR = "bench";
    static final String KEY = "bench-key-0123456789";

    /** How a subscription's endpoint behaves; the receiver path prefix. */
    enum Endpoint {
        FAST("/fast"), SLOW("/slow"), HANG("/hang"), FLAKY("/flaky");

        final String path;

        Endpoint(String path) {
            this.path = path;
        }
    }

    /**
     * One scenario: its subscriptions' endpoints (subscription k gets {@code endpoints.get(k)}),
     * how many events, the produce rate (0: as fast as the producer goes), whether every
     * subscription's URL is on one {@code host:port} (as when every affiliate's postbacks go to one
     * tracker) instead of its own loopback address, and whether the plain consumer (S0) delivers
     * instead of the pipeline.
     */
    record Spec(String name, String description, List<Endpoint> endpoints, int events, int ratePerSecond,
                boolean oneHost, boolean plain) {

        Spec(String name, String description, List<Endpoint> endpoints, int events, int ratePerSecond) {
            this(name, description, endpoints, events, ratePerSecond, false, false);
        }

        String host(int subscription) {
            return oneHost ? ONE_HOST : Scenarios.host(subscription);
        }
    }

    /** What a scenario cost per delivery: CPU of each process, and what the broker was asked to write beyond the input. */
    record Costs(@JsonProperty("cpu_ms_per_delivery") Map<String, Double> cpuMsPerDelivery,
                 @JsonProperty("kafka_records_per_delivery") double recordsPerDelivery,
                 @JsonProperty("kafka_bytes_per_delivery") double bytesPerDelivery,
                 @JsonProperty("kafka_bytes_per_delivery_by_topic") Map<String, Double> bytesPerDeliveryByTopic) {
    }

    private final ReceiverProcess receiver;
    private final Map<String, String> pipelineEnv;
    private final PipelineLayout layout;
    private final List<String> pipelineJvmOptions;
    private final int warmupEvents;
    private final Duration stallTimeout;

    Scenarios(ReceiverProcess receiver, Map<String, String> pipelineEnv, PipelineLayout layout, List<String> pipelineJvmOptions,
              int warmupEvents, Duration stallTimeout) {
        this.warmupEvents = warmupEvents;
        this.layout = layout;
        this.pipelineJvmOptions = List.copyOf(pipelineJvmOptions);
        this.receiver = receiver;
        this.pipelineEnv = pipelineEnv;
        this.stallTimeout = stallTimeout;
    }

    ScenarioResult run(Spec spec) throws Exception {
        System.out.printf("%n== %s: %s%n", spec.name(), spec.description());
        Map<String, String> env = new HashMap<>(pipelineEnv);
        env.put("WEBHOOKS_API_KEYS", OPERATOR + "=" + KEY);
        env.put("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true");
        env.put("INGEST_HTTP_PORT", "0");
        env.put("RETRY_HTTP_PORT", "0");
        receiver.reset();
        Path dataDir = Files.createTempDirectory("hookrelay-bench-" + spec.name() + "-");
        try (BenchPipeline pipeline = spec.plain()
                ? BenchPipeline.plainConsumer(env, dataDir, receiver.url(spec.host(0), Endpoint.FAST.path + "/" + spec.name()))
                : BenchPipeline.pipeline(env, layout, pipelineJvmOptions, dataDir);
             KafkaProducer<String, String> producer = producer(pipeline.bootstrap())) {
            int subs = spec.endpoints().size();
            Map<String, Endpoint> subscriptionKinds = spec.plain() ? Map.of() : subscribe(pipeline.ingestUrl(), spec);
            warmUp(producer, spec);
            receiver.reset();

            String prefix = spec.name().toLowerCase() + "-";
            long healthyExpected = 0;
            for (int n = 0; n < spec.events(); n++) {
                if (spec.endpoints().get(n % subs) != Endpoint.HANG) {
                    healthyExpected++;
                }
            }
            AtomicLongArray sentMicros = new AtomicLongArray(spec.events());
            try (AttemptWatcher attempts = AttemptWatcher.start(pipeline.bootstrap(), prefix, subscriptionKinds, sentMicros)) {
                Sampler sampler = new Sampler(pipeline.system());
                Map<String, Long> pids = new LinkedHashMap<>();
                pids.put("broker", pipeline.brokerPid());
                pids.putAll(pipeline.system().pids());
                pids.put("receiver", receiver.pid());
                KafkaTraffic.Snapshot kafkaBefore = KafkaTraffic.snapshot(pipeline.bootstrap());
                ProcessCpu cpu = new ProcessCpu(pids);
                Thread produce = new Thread(() -> produce(producer, spec, prefix, sentMicros), "bench-producer");
                produce.start();
                AttemptWatcher.Snapshot atHealthyDone = awaitDeliveries(healthyExpected, attempts, sampler, produce);
                Map<String, Double> cpuMs = cpu.msPerDelivery(Math.max(1, receiver.count().okIds()));
                produce.join();
                // Attempt records are written as each delivery completes; give the last ones time to land.
                Thread.sleep(1_500);
                KafkaTraffic.Written written = KafkaTraffic.snapshot(pipeline.bootstrap()).since(kafkaBefore);
                return result(spec, prefix, sentMicros, healthyExpected, subscriptionKinds, attempts, atHealthyDone, sampler,
                        cpuMs, written);
            }
        }
    }

    private Map<String, Endpoint> subscribe(String ingestUrl, Spec spec) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Endpoint> kinds = new HashMap<>();
        for (int k = 0; k < spec.endpoints().size(); k++) {
            Endpoint e = spec.endpoints().get(k);
            String body = Json.string(Json.object().put("url", receiver.url(spec.host(k), e.path + "/" + spec.name() + "-" + k))
                    .put("description", "benchmark " + spec.name())
                    .<com.fasterxml.jackson.databind.node.ObjectNode>set("event_types", Json.MAPPER.createArrayNode().add("conversion.ftd"))
                    .set("filter", Json.object().set("brand_id", Json.MAPPER.createArrayNode().add(brand(k)))));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/subscriptions"))
                    .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("Creating benchmark subscription " + k + " failed: " + r.statusCode() + " " + r.body());
            }
            kinds.put(Json.MAPPER.readTree(r.body()).get("id").asText(), e);
        }
        return kinds;
    }

    /**
     * One event per subscription, until the receiver has seen a request for each: the catalog is
     * complete. Then {@code warmupEvents} more to the subscriptions that answer, so the JVMs have
     * compiled the hot paths before anything is measured (a service runs for days; the first
     * seconds of a JVM are not what it does).
     */
    private void warmUp(KafkaProducer<String, String> producer, Spec spec) throws InterruptedException {
        int subs = spec.endpoints().size();
        for (int k = 0; k < subs; k++) {
            producer.send(record(WARM_UP_PREFIX + spec.name() + "-" + k, k, Instant.now()));
        }
        producer.flush();
        awaitRequests(subs, "the dispatcher did not pick up every subscription");
        List<Integer> answering = new ArrayList<>();
        for (int k = 0; k < subs; k++) {
            if (spec.endpoints().get(k) != Endpoint.HANG) {
                answering.add(k);
            }
        }
        for (int n = 0; n < warmupEvents; n++) {
            producer.send(record(WARM_UP_PREFIX + spec.name() + "-jit-" + n, answering.get(n % answering.size()), Instant.now()));
        }
        producer.flush();
        awaitRequests(subs + warmupEvents, "the warm-up events did not all arrive");
    }

    private void awaitRequests(long requests, String otherwise) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (receiver.count().requests() < requests) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Warm-up: the receiver saw " + receiver.count().requests() + " of "
                        + requests + " warm-up requests within 300 s; " + otherwise);
            }
            Thread.sleep(100);
        }
    }

    private void produce(KafkaProducer<String, String> producer, Spec spec, String prefix, AtomicLongArray sentMicros) {
        int subs = spec.endpoints().size();
        long start = System.nanoTime();
        double intervalNanos = spec.ratePerSecond() > 0 ? 1e9 / spec.ratePerSecond() : 0;
        for (int n = 0; n < spec.events(); n++) {
            if (intervalNanos > 0) {
                long due = start + (long) (n * intervalNanos);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            Instant now = Instant.now();
            sentMicros.set(n, now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000);
            producer.send(record(prefix + n, n % subs, now));
        }
        producer.flush();
    }

    private AttemptWatcher.Snapshot awaitDeliveries(long expected, AttemptWatcher attempts, Sampler sampler, Thread produce)
            throws InterruptedException {
        long last = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            sampler.sample();
            ReceiverProcess.Count c = receiver.count();
            if (c.okIds() >= expected) {
                return attempts.snapshot();
            }
            if (c.okIds() != last || produce.isAlive()) {
                last = c.okIds();
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                System.out.printf("  stalled at %d of %d deliveries for %d s; counting the rest as lost%n",
                        c.okIds(), expected, stallTimeout.toSeconds());
                return attempts.snapshot();
            }
            Thread.sleep(100);
        }
    }

    private ScenarioResult result(Spec spec, String prefix, AtomicLongArray sentMicros, long healthyExpected,
                                  Map<String, Endpoint> kinds, AttemptWatcher attempts,
                                  AttemptWatcher.Snapshot atHealthyDone, Sampler sampler,
                                  Map<String, Double> cpuMsPerDelivery, KafkaTraffic.Written written) {
        int subs = spec.endpoints().size();
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        boolean[] delivered = new boolean[spec.events()];
        long duplicates = 0;
        long lastOk = 0;
        long hangingRequests = 0;
        for (ReceiverProcess.Seen s : receiver.stats()) {
            if (!s.eventId().startsWith(prefix)) {
                continue;
            }
            int n = Integer.parseInt(s.eventId().substring(prefix.length()));
            if (spec.endpoints().get(n % subs) == Endpoint.HANG) {
                hangingRequests += s.requests();
                continue;
            }
            if (s.ok() > 1) {
                duplicates += s.ok() - 1;
            }
            if (s.ok() > 0) {
                delivered[n] = true;
                lastOk = Math.max(lastOk, s.firstOkMicros());
                latency.recordValue(Math.max(0, Math.min(latency.getHighestTrackableValue(), s.firstOkMicros() - sentMicros.get(n))));
            }
        }
        long deliveredCount = latency.getTotalCount();
        long losses = healthyExpected - deliveredCount;
        double seconds = Math.max(1e-6, (lastOk - sentMicros.get(0)) / 1e6);
        Map<String, Object> extra = new LinkedHashMap<>();
        AttemptWatcher.Snapshot end = attempts.snapshot();
        Histogram pickup = end.pickup();
        if (pickup.getTotalCount() > 0) {
            extra.put("pickup_p50_ms", ms(pickup.getValueAtPercentile(50)));
            extra.put("pickup_p99_ms", ms(pickup.getValueAtPercentile(99)));
        }
        if (spec.endpoints().contains(Endpoint.HANG)) {
            extra.put("hanging_subscriptions", kinds.values().stream().filter(e -> e == Endpoint.HANG).count());
            extra.put("hanging_deliveries", spec.events() - healthyExpected);
            extra.put("hanging_requests_received", hangingRequests);
            extra.put("hanging_attempts_concluded_when_healthy_done", atHealthyDone.concluded(Endpoint.HANG));
            extra.put("hanging_attempts_concluded_at_end", end.concluded(Endpoint.HANG));
        }
        if (spec.endpoints().contains(Endpoint.FLAKY)) {
            extra.put("retried_attempts", end.retryLateness().getTotalCount());
            extra.put("retry_lateness_p50_ms", end.retryLateness().getValueAtPercentile(50));
            extra.put("retry_lateness_p99_ms", end.retryLateness().getValueAtPercentile(99));
            extra.put("retry_lateness_max_ms", end.retryLateness().getMaxValue());
        }
        long per = Math.max(1, deliveredCount);
        Map<String, Double> byTopic = new LinkedHashMap<>();
        written.bytes().entrySet().stream().filter(e -> !e.getKey().equals(Topics.EVENTS_CONVERSION) && e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> byTopic.put(e.getKey(), round((double) e.getValue() / per)));
        Costs costs = new Costs(cpuMsPerDelivery, round3((double) written.records(Topics.EVENTS_CONVERSION) / per),
                round((double) written.bytes(Topics.EVENTS_CONVERSION) / per), byTopic);
        ScenarioResult r = new ScenarioResult(spec.name(), spec.description(), subs, healthyExpected, deliveredCount,
                duplicates, losses, round(deliveredCount / seconds), round(seconds),
                ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)), ms(latency.getValueAtPercentile(99.9)),
                ms(latency.getMaxValue()), sampler.peakHeapMb(), sampler.peakRssMb(), costs, extra);
        System.out.println("  " + r.oneLine());
        return r;
    }

    static double ms(long micros) {
        return Math.round(micros / 100.0) / 10.0;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** The one address of the one-host layouts (S0, S1h, S2h). */
    static final String ONE_HOST = "127.0.0.1";

    /** Subscription k's own loopback address (S1 to S5): distinct subscribers are distinct hosts. */
    static String host(int k) {
        return "127.0." + (k / 250 + 1) + "." + (k % 250 + 1);
    }

    static String brand(int k) {
        return "brand-" + k;
    }

    private static ProducerRecord<String, String> record(String eventId, int subscription, Instant occurredAt) {
        String json = canonicalEvent(eventId, brand(subscription), occurredAt);
        ProducerRecord<String, String> r = new ProducerRecord<>(Topics.EVENTS_CONVERSION, "p-" + eventId, json);
        r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** The same bodies go to the pipeline and, wrapped as a webhook, to the ceiling run. */
    static String canonicalEvent(String eventId, String brand, Instant occurredAt) {
        return "{\"event_id\":\"" + eventId + "\",\"event_type\":\"conversion.ftd\",\"occurred_at\":\"" + occurredAt
                + "\",\"operator_id\":\"" + OPERATOR + "\",\"brand_id\":\"" + brand + "\",\"affiliate_id\":\"aff-7\","
                + "\"player_ref\":\"p-" + eventId + "\",\"transaction_id\":\"tx-" + eventId
                + "\",\"amount\":\"125.50\",\"currency\":\"EUR\",\"tracking\":{\"click_id\":\"clk-42\",\"sub1\":\"bench\"}}";
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // One request in flight per partition: on a just-created partition the first request can be
        // refused (NOT_LEADER_OR_FOLLOWER) while the next overtakes it, and the first then fails with
        // OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (KAFKA-15591), as the test client
        // met; a run lost its warm-up that way. The batches are large, so one at a time costs little.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /**
     * Peak heap and RSS of the system under test's JVM when there is one, else of this JVM (heap from the
     * MemoryMXBean, RSS from {@code /proc/<pid>/status} VmRSS).
     */
    static final class Sampler {
        private final SystemUnderTest system;
        private double peakHeapMb;
        private double peakRssMb;
        private long lastNanos;

        /** @param system the process to sample, or null for this JVM */
        Sampler(SystemUnderTest system) {
            this.system = system;
        }

        /** Takes a reading, at most one a second: reading another JVM's /metrics costs it CPU. */
        void sample() {
            long now = System.nanoTime();
            if (lastNanos != 0 && now - lastNanos < 1_000_000_000L) {
                return;
            }
            lastNanos = now;
            if (system != null) {
                system.sample();
                return;
            }
            peakHeapMb = Math.max(peakHeapMb, round(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0));
            peakRssMb = Math.max(peakRssMb, rssMb(ProcessHandle.current().pid()));
        }

        double peakHeapMb() {
            return system != null ? system.peakHeapMb() : peakHeapMb;
        }

        double peakRssMb() {
            return system != null ? system.peakRssMb() : peakRssMb;
        }

        static double rssMb(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux, or the process is gone: RSS is reported as 0.
            }
            return 0;
        }
    }

    /**
     * Follows {@code webhooks.attempts} from its end during a scenario: attempts that did not
     * deliver, by endpoint kind, and the lateness of retries (attempt &gt; 1), for this scenario's
     * events only.
     */
    static final class AttemptWatcher implements AutoCloseable {

        /**
         * @param pickup µs from an event's produce to its first attempt's {@code due_at}, when the
         *               dispatcher took it up: ingest (validation, dedupe, two exactly-once commits) and the fetch
         */
        record Snapshot(Map<Endpoint, Long> concludedByKind, Histogram retryLateness, Histogram pickup) {
            long concluded(Endpoint e) {
                return concludedByKind.getOrDefault(e, 0L);
            }
        }

        private final KafkaConsumer<String, byte[]> consumer;
        private final String prefix;
        private final Map<String, Endpoint> kinds;
        private final Map<Endpoint, AtomicLong> notDelivered = new HashMap<>();
        private final Histogram lateness = new Histogram(3);
        private final Histogram pickup = new Histogram(3);
        private final AtomicLongArray sentMicros;
        private final Thread thread;
        private volatile boolean running = true;

        private AttemptWatcher(String bootstrap, String prefix, Map<String, Endpoint> kinds, AtomicLongArray sentMicros) {
            this.sentMicros = sentMicros;
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(Topics.ATTEMPTS).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            this.prefix = prefix;
            this.kinds = kinds;
            for (Endpoint e : Endpoint.values()) {
                notDelivered.put(e, new AtomicLong());
            }
            thread = new Thread(this::loop, "bench-attempts");
        }

        static AttemptWatcher start(String bootstrap, String prefix, Map<String, Endpoint> kinds, AtomicLongArray sentMicros) {
            AttemptWatcher w = new AttemptWatcher(bootstrap, prefix, kinds, sentMicros);
            w.thread.start();
            return w;
        }

        private void loop() {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    JsonNode a;
                    try {
                        a = Json.tree(r.value());
                    } catch (IOException e) {
                        continue;
                    }
                    if (!a.path("event_id").asText().startsWith(prefix)) {
                        continue;
                    }
                    if (!"delivered".equals(a.path("outcome").asText())) {
                        Endpoint kind = kinds.get(a.path("subscription_id").asText());
                        if (kind != null) {
                            notDelivered.get(kind).incrementAndGet();
                        }
                    }
                    if (a.path("attempt").asInt() > 1) {
                        synchronized (lateness) {
                            lateness.recordValue(Math.max(0, a.path("lateness_ms").asLong()));
                        }
                    } else {
                        long sent = sentMicros.get(Integer.parseInt(a.path("event_id").asText().substring(prefix.length())));
                        if (sent > 0) {
                            synchronized (lateness) {
                                pickup.recordValue(Math.max(0, a.path("due_at").asLong() * 1000 - sent));
                            }
                        }
                    }
                }
            }
        }

        Snapshot snapshot() {
            Map<Endpoint, Long> m = new HashMap<>();
            notDelivered.forEach((k, v) -> m.put(k, v.get()));
            synchronized (lateness) {
                return new Snapshot(m, lateness.copy(), pickup.copy());
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
            consumer.close();
        }
    }
}
