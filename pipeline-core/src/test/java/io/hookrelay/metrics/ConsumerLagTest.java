package io.hookrelay.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Lag and records held back by an open transaction, as an operator reads them, from a real broker. */
class ConsumerLagTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void recordsOfAnOpenTransactionShowAsHeldBackNotAsLagUntilItCommits() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "writer");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
                 ConsumerLag lag = ConsumerLag.start(kafka.bootstrapServers(), "readers", List.of("t"), "lag", meters)) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>("t", "k", "v" + i));
                }
                producer.flush();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(gauge("hookrelay.open.transaction.records")).isEqualTo(3.0);
                    assertThat(gauge("hookrelay.consumer.lag")).as("nothing readable yet").isZero();
                });

                producer.commitTransaction();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(gauge("hookrelay.open.transaction.records")).isZero();
                    // Three records and the commit marker, none consumed by the group.
                    assertThat(gauge("hookrelay.consumer.lag")).isEqualTo(4.0);
                });
            }
        }
    }

    private double gauge(String name) {
        var g = meters.find(name).tag("group", "readers").tag("topic", "t").tag("partition", "0").gauge();
        return g == null ? -1 : g.value();
    }
}
