package io.hookrelay.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.embedded.Processes;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * S0, the loop a team would write instead of a pipeline: one Kafka consumer, one blocking
 * HttpClient 5 (classic) POST per record to the receiver, {@code commitSync} after each polled
 * batch. No validation, no dedupe, no signature, no retries, no delivery log: the floor every
 * pipeline scenario is compared with. It reads {@code events.conversion} of the benchmark's broker
 * and posts each event as a webhook body with {@code webhook-id: msg_<event_id>}, so the receiver
 * counts it as it counts the pipeline's deliveries. Run in its own JVM ({@link #start}) so its CPU
 * and RSS are its own.
 */
public final class PlainConsumer {

    private PlainConsumer() {
    }

    /** {@code <bootstrap> <receiver url>}: consumes until killed. */
    public static void main(String[] args) throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-plain-consumer");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        String url = args[1];
        try (CloseableHttpClient http = HttpClients.createDefault();
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.EVENTS_CONVERSION));
            System.out.println("CONSUMING");
            while (true) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    HttpPost post = new HttpPost(url);
                    post.setHeader("webhook-id", "msg_" + BenchReceiver.eventId(r.value().getBytes(StandardCharsets.UTF_8)));
                    post.setEntity(new ByteArrayEntity(("{\"type\":\"conversion.ftd\",\"data\":" + r.value() + "}")
                            .getBytes(StandardCharsets.UTF_8), ContentType.APPLICATION_JSON));
                    http.execute(post, response -> {
                        EntityUtils.consume(response.getEntity());
                        return null;
                    });
                }
                consumer.commitSync();
            }
        }
    }

    /** Starts it in its own JVM against {@code bootstrap}, posting to {@code receiverUrl}. */
    static SystemUnderTest start(String bootstrap, String receiverUrl, Path logFile) {
        Process process = Processes.startJvm(PlainConsumer.class.getName(), List.of("-Xmx512m"),
                List.of(bootstrap, receiverUrl), Map.of(), logFile);
        return new SystemUnderTest() {
            private double peakRssMb;

            @Override
            public long pid() {
                return process.pid();
            }

            @Override
            public Map<String, Long> pids() {
                return Map.of("plain consumer", process.pid());
            }

            @Override
            public void sample() {
                peakRssMb = Math.max(peakRssMb, Scenarios.Sampler.rssMb(process.pid()));
            }

            @Override
            public double peakHeapMb() {
                return 0;
            }

            @Override
            public double peakRssMb() {
                return peakRssMb;
            }

            @Override
            public void close() {
                Processes.stop(process, 10);
            }
        };
    }
}
