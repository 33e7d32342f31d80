package io.hookrelay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.KafkaTestClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** A producer that can send no more is replaced by a new one, on a real broker; an ordinary failure replaces nothing. */
class HealingProducerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aProducerThatCanSendNoMoreIsRebuiltAndTheNextSendReachesKafka() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral(); KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            AtomicInteger built = new AtomicInteger();
            HealingProducer producer = new HealingProducer("test-producer", () -> {
                Producer<String, byte[]> p = KafkaClients.durableProducer(kafka.bootstrapServers(), "p" + built.get(), 10_000);
                if (built.getAndIncrement() == 0) {
                    // The first client is unusable from the start, as one in a fatal state is.
                    p.close();
                }
                return p;
            }, new Recoveries(meters));

            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("t", "k", bytes("lost"))))
                    .isInstanceOf(IllegalStateException.class);
            producer.send(new ProducerRecord<>("t", "k", bytes("sent"))).get(30, TimeUnit.SECONDS);
            producer.close(Duration.ofSeconds(5));

            assertThat(built).hasValue(2);
            assertThat(client.read("t", 1, Duration.ofSeconds(30))).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("sent");
            assertThat(meters.get("hookrelay.kafka.recoveries").tag("component", "test-producer")
                    .tag("action", "rebuild_client").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void onlyErrorsThatLeaveTheClientUnusableCountAsFatal() {
        assertThat(HealingProducer.isFatal(new ProducerFencedException("fenced"))).isTrue();
        assertThat(HealingProducer.isFatal(new TimeoutException("broker down"))).isFalse();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
