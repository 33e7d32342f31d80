package io.hookrelay.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces to and reads from a real broker the way an outside client would, for tests. */
public final class KafkaTestClient implements AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;

    public KafkaTestClient(String bootstrap) {
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // One request at a time: tests produce right after creating their topics, and with several
        // in flight a first request refused (NOT_LEADER_OR_FOLLOWER, the broker not yet having
        // applied the new partition) can be overtaken by the next, which the broker, holding no
        // state for the producer, appends; the first then fails OUT_OF_ORDER_SEQUENCE_NUMBER until
        // delivery.timeout.ms and its records are gone (KAFKA-15591; the 4.4.0 broker does it, seen as
        // CrashSafetyTest timing out after a two-minute flush).
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends and waits for the acknowledgement; headers are name, value pairs. */
    public void send(String topic, String key, byte[] value, String... headers) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, key, value);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            r.headers().add(new RecordHeader(headers[i], headers[i + 1].getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        try {
            producer.send(r).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Producing to " + topic + " failed", e);
        }
    }

    public KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    /** Everything on {@code topic} from the beginning, read until {@code until} holds or {@code timeout} passes. */
    public List<ConsumerRecord<String, byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> until,
                                                         Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (until.test(out)) {
                    break;
                }
            }
        }
        return out;
    }

    /** Reads {@code topic} until at least {@code count} records are there, or {@code timeout} passes. */
    public List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
        return readUntil(topic, l -> l.size() >= count, timeout);
    }

    /** The value of header {@code name} as text, or null. */
    public static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public static Map<String, String> env(String bootstrap, String... pairs) {
        Map<String, String> m = new java.util.HashMap<>();
        m.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
