package io.hookrelay.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.embedded.Processes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The operators' side of a scenario: events sent through {@code POST /v1/events} and produced
 * straight to {@code events.conversion}, at a set rate. It counts precisely: an event is accepted
 * only when a 202 named its id or the broker acknowledged its record. A batch answered 503 is
 * sent again a second later, as a client would; one that got no answer (timeout, reset, refused)
 * is unknown and is sent again with the same event ids, which ingest's dedupe makes safe. A batch
 * still unanswered after {@code giveUp} counts as not accepted.
 */
final class Traffic implements AutoCloseable {

    static final String OPERATOR = "op1";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<String> ingestUrl;
    private final String apiKey;
    private final Duration giveUp;
    private final int batchSize;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    private final ExecutorService senders = Executors.newFixedThreadPool(12);
    private final KafkaProducer<String, String> producer;

    /** Accepted event id to when it was accepted (epoch ms). */
    final Map<String, Long> accepted = new ConcurrentHashMap<>();
    /** Event ids sent but never accepted (given up, refused, or a failed send). */
    final Set<String> notAccepted = ConcurrentHashMap.newKeySet();
    final AtomicLong http202 = new AtomicLong();
    final AtomicLong http503 = new AtomicLong();
    final AtomicLong httpOtherStatus = new AtomicLong();
    final AtomicLong httpNoAnswer = new AtomicLong();
    final AtomicLong resends = new AtomicLong();
    final AtomicLong kafkaAcked = new AtomicLong();
    final AtomicLong kafkaFailed = new AtomicLong();
    /** Every HTTP answer as {epoch ms, status}; 0 for none (timeout, reset, refused). */
    final List<long[]> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<String> refusals = ConcurrentHashMap.newKeySet();

    /**
     * @param ingestUrl where {@code POST /v1/events} is, asked at each send (ingest may move between restarts)
     * @param bootstrap the brokers, for the direct producer
     */
    Traffic(Supplier<String> ingestUrl, String apiKey, String bootstrap, int batchSize, Duration giveUp) {
        this.ingestUrl = ingestUrl;
        this.apiKey = apiKey;
        this.batchSize = batchSize;
        this.giveUp = giveUp;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "faults-operator");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Long enough to ride out every outage of the suite: a record fails only if the broker stays away for 5 minutes.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300000");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Events being sent in the background: {@link #generated()} grows as they go out. */
    final class Stream {
        private final AtomicInteger generated = new AtomicInteger();
        private final AtomicInteger pending = new AtomicInteger();
        private volatile boolean done;
        private final Thread thread;

        private Stream(String tag, String brand, int events, int rate, double httpShare) {
            thread = new Thread(() -> generate(tag, brand, events, rate, httpShare), "traffic-" + tag);
            thread.setDaemon(true);
            thread.start();
        }

        private void generate(String tag, String brand, int events, int rate, double httpShare) {
            long t0 = System.nanoTime();
            int chunk = 0;
            int httpChunks = 0;
            for (int i = 0; i < events; i += batchSize, chunk++) {
                long due = t0 + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Processes.sleep(wait / 1_000_000);
                }
                int n = Math.min(batchSize, events - i);
                // Interleaved so that both ways in run through every fault: HTTP for httpShare of the chunks.
                boolean viaHttp = httpChunks < Math.round((chunk + 1) * httpShare);
                List<String> ids = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    ids.add(tag + (viaHttp ? "-h-" : "-k-") + String.format("%06d", i + k));
                }
                if (viaHttp) {
                    httpChunks++;
                    pending.incrementAndGet();
                    senders.execute(() -> {
                        try {
                            post(ids, brand);
                        } finally {
                            pending.decrementAndGet();
                        }
                    });
                } else {
                    for (String id : ids) {
                        pending.incrementAndGet();
                        produce(id, brand);
                    }
                }
                generated.addAndGet(n);
            }
            done = true;
        }

        private void produce(String id, String brand) {
            String json = event(id, brand);
            ProducerRecord<String, String> r = new ProducerRecord<>(Topics.EVENTS_CONVERSION, playerRef(id), json);
            r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
            try {
                producer.send(r, (meta, e) -> {
                    if (e == null) {
                        accepted.put(id, System.currentTimeMillis());
                        kafkaAcked.incrementAndGet();
                    } else {
                        notAccepted.add(id);
                        kafkaFailed.incrementAndGet();
                        refusals.add("kafka: " + e);
                    }
                    pending.decrementAndGet();
                });
            } catch (RuntimeException e) {
                notAccepted.add(id);
                kafkaFailed.incrementAndGet();
                refusals.add("kafka send: " + e);
                pending.decrementAndGet();
            }
        }

        int generated() {
            return generated.get();
        }

        /** Waits until every event is generated and each is accepted or given up on. */
        void await() {
            while (!done || pending.get() > 0) {
                Processes.sleep(100);
            }
            producer.flush();
        }
    }

    Stream send(String tag, String brand, int events, int ratePerSecond, double httpShare) {
        return new Stream(tag, brand, events, ratePerSecond, httpShare);
    }

    /** Sends one batch until a 202 (or a refusal, or the give-up time). */
    private void post(List<String> ids, String brand) {
        StringBuilder body = new StringBuilder("[");
        for (String id : ids) {
            body.append(body.length() > 1 ? "," : "").append(event(id, brand));
        }
        String json = body.append(']').toString();
        long deadline = System.nanoTime() + giveUp.toNanos();
        boolean first = true;
        while (System.nanoTime() < deadline) {
            if (!first) {
                resends.incrementAndGet();
            }
            first = false;
            int status = 0;
            String answer = null;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ingestUrl.get() + "/v1/events"))
                        .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                        HttpResponse.BodyHandlers.ofString());
                status = r.statusCode();
                answer = r.body();
            } catch (IOException e) {
                status = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = System.currentTimeMillis();
            answers.add(new long[] {now, status});
            if (status == 202) {
                http202.incrementAndGet();
                Set<String> named = namedIds(answer);
                for (String id : ids) {
                    if (named.contains(id)) {
                        accepted.put(id, now);
                    } else {
                        notAccepted.add(id);
                    }
                }
                return;
            }
            if (status == 0) {
                httpNoAnswer.incrementAndGet();
            } else if (status == 503) {
                http503.incrementAndGet();
            } else {
                httpOtherStatus.incrementAndGet();
                if (status / 100 == 4) {
                    // A refusal is the suite's own mistake, never the pipeline's: report it, do not count the batch.
                    refusals.add(status + " " + answer);
                    notAccepted.addAll(ids);
                    return;
                }
            }
            Processes.sleep(1000);
        }
        notAccepted.addAll(ids);
    }

    private static Set<String> namedIds(String answer) {
        Set<String> ids = new HashSet<>();
        try {
            JsonNode n = Json.MAPPER.readTree(answer).get("event_ids");
            if (n != null) {
                n.forEach(id -> ids.add(id.asText()));
            }
        } catch (IOException e) {
            // An unreadable 202 names nothing: nothing counts as accepted.
        }
        return ids;
    }

    /** Refusals and failed sends seen, for the report (the suite's mistakes, if any). */
    Set<String> refusals() {
        return refusals;
    }

    /** An FTD as the README's curl example has it; the player_ref spreads events over partitions. */
    static String event(String id, String brand) {
        return "{\"event_id\":\"" + id + "\",\"event_type\":\"conversion.ftd\",\"occurred_at\":\"" + Instant.now()
                + "\",\"operator_id\":\"" + OPERATOR + "\",\"brand_id\":\"" + brand + "\",\"affiliate_id\":\"aff-7\","
                + "\"player_ref\":\"" + playerRef(id) + "\",\"transaction_id\":\"tx-" + id
                + "\",\"amount\":\"125.50\",\"currency\":\"EUR\",\"tracking\":{\"click_id\":\"clk-42\",\"sub1\":\"faults\"}}";
    }

    /** The ordering key of contract §1 for a conversion event. */
    static String playerRef(String id) {
        return "p-" + Math.floorMod(id.hashCode(), 997);
    }

    @Override
    public void close() {
        senders.shutdownNow();
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
