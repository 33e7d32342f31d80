package io.hookrelay.ingest.stream;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.KeyPartitions;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.KafkaTestClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One embedded broker with the contract's topics, and the ingest app running against it on a
 * {@link MutableClock}; produces and reads the way operators and downstream services do.
 */
final class IngestHarness implements AutoCloseable {

    static final int PARTITIONS = 2;
    static final Duration WAIT = Duration.ofSeconds(30);

    final EmbeddedKafka kafka;
    final KafkaTestClient client;
    final PipelineConfig config;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    /** Where the app counts {@code hookrelay_ingest_rejected_total}, as the service's registry. */
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private IngestStreamsApp app;

    private IngestHarness(EmbeddedKafka kafka, PipelineConfig config) {
        this.kafka = kafka;
        this.config = config;
        this.client = new KafkaTestClient(kafka.bootstrapServers());
    }

    /** Starts broker and app; {@code settings} are extra environment variables, name then value. */
    static IngestHarness start(Path dataDir, String... settings) {
        EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "WEBHOOKS_DATA_DIR", dataDir.toString(), "WEBHOOKS_PARTITIONS", Integer.toString(PARTITIONS)));
        for (int i = 0; i + 1 < settings.length; i += 2) {
            env.put(settings[i], settings[i + 1]);
        }
        PipelineConfig config = PipelineConfig.from(env);
        TopicProvisioner.ensure(kafka.bootstrapServers(), PARTITIONS, config.get(PipelineConfig.RETRY_SCHEDULE));
        IngestHarness harness = new IngestHarness(kafka, config);
        harness.startApp();
        return harness;
    }

    IngestStreamsApp app() {
        return app;
    }

    void startApp() {
        app = IngestStreamsApp.start(config, clock, registry);
        await().atMost(WAIT).until(app::isRunning);
    }

    /** Produces one record to an explicit partition and returns where it landed; headers are name, value pairs. */
    RecordMetadata produce(String topic, int partition, String key, byte[] value, String... headers) {
        return send(new ProducerRecord<>(topic, partition, key, value), headers);
    }

    /** Produces one record with Kafka's default partitioning of {@code key}, as an operator keying by the ordering key does. */
    RecordMetadata produceKeyed(String topic, String key, byte[] value, String... headers) {
        return send(new ProducerRecord<>(topic, key, value), headers);
    }

    private RecordMetadata send(ProducerRecord<String, byte[]> record, String... headers) {
        String topic = record.topic();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            record.headers().add(new RecordHeader(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return client.producer().send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Producing to " + topic + " failed", e);
        }
    }

    /** All of webhooks.accepted (committed records only), read until {@code until} holds or 30 s pass. */
    List<ConsumerRecord<String, byte[]>> readAcceptedUntil(Predicate<List<ConsumerRecord<String, byte[]>>> until) {
        return client.readUntil(Topics.ACCEPTED, until, WAIT);
    }

    /** All of webhooks.accepted once (operator, eventId) is on it {@code copies} times, or after 30 s. */
    List<ConsumerRecord<String, byte[]>> readAcceptedUntilCopies(String operatorId, String eventId, int copies) {
        return readAcceptedUntil(records -> copiesOf(records, operatorId, eventId).size() >= copies);
    }

    static List<ConsumerRecord<String, byte[]>> copiesOf(List<ConsumerRecord<String, byte[]>> accepted,
                                                         String operatorId, String eventId) {
        return accepted.stream().filter(r -> {
            JsonNode event = json(r.value());
            return event.path("operator_id").asText().equals(operatorId) && event.path("event_id").asText().equals(eventId);
        }).toList();
    }

    static JsonNode json(byte[] bytes) {
        try {
            return Json.tree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The partition whose ingest task deduplicates a sample conversion event: its ordering key's
     * ({@code player_ref}, which {@link SampleEvents} makes {@code p-<event id>}).
     */
    static int dedupePartition(String eventId) {
        return KeyPartitions.of("p-" + eventId, PARTITIONS);
    }

    /**
     * An event id whose events meet {@code eventId}'s on one dedupe task, and take the same way
     * there from any input partition (straight, or both through the repartition). Produced after a
     * copy of that event to the same input partition, its arrival on webhooks.accepted proves the
     * copy has been through dedupe: a task handles its partition in order and commits in order.
     */
    static String markerAfter(String operatorId, String eventId) {
        int target = dedupePartition(eventId);
        for (int i = 0; ; i++) {
            String marker = eventId + "-marker-" + i;
            if (dedupePartition(marker) == target) {
                return marker;
            }
        }
    }

    /** The app's own counter {@code name} summed over its stream threads. */
    double metric(String name) {
        return app.supervised().streams().metrics().values().stream()
                .filter(m -> m.metricName().group().equals(IngestMetrics.GROUP) && m.metricName().name().equals(name))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue())
                .sum();
    }

    @Override
    public void close() {
        if (app != null) {
            app.close();
        }
        client.close();
        kafka.close();
    }
}
