package io.hookrelay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.metrics.ServiceMetrics;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.testing.KafkaTestClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loop first attempts and retries share, driven by an intake of the test's own over a real broker. */
class CommittingLoopTest {

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static Admin admin;
    private static SubscriptionCatalog catalog;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.startEphemeral();
        TopicProvisioner.ensure(kafka.bootstrapServers(), 1, RetrySchedule.parse("5s"));
        client = new KafkaTestClient(kafka.bootstrapServers());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        catalog = new SubscriptionCatalog(kafka.bootstrapServers(), "loop-test-catalog").start();
    }

    @AfterAll
    static void stop() {
        catalog.close();
        admin.close();
        client.close();
        kafka.close();
    }

    @Test
    void aRecordNotDueIsTakenOnceDueAndTheRecordsBehindItOnlyAfterIt() throws Exception {
        String topic = topic();
        long dueAt = System.currentTimeMillis() + 1500;
        client.send(topic, "k", Long.toString(dueAt).getBytes(StandardCharsets.UTF_8));
        client.send(topic, "k", "0".getBytes(StandardCharsets.UTF_8));
        List<String> taken = new CopyOnWriteArrayList<>();
        Map<String, Long> takenAt = new ConcurrentHashMap<>();
        Intake intake = r -> {
            long due = Long.parseLong(new String(r.value(), StandardCharsets.UTF_8));
            if (System.currentTimeMillis() < due) {
                return Intake.Taken.notBefore(due);
            }
            taken.add("offset " + r.offset());
            takenAt.put("offset " + r.offset(), System.currentTimeMillis());
            return Intake.Taken.started(CompletableFuture.completedFuture(null));
        };

        try (Running loop = run(topic, intake, new Meters())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> committed(topic) == 2);
        }

        assertThat(taken).containsExactly("offset 0", "offset 1");
        assertThat(takenAt.get("offset 0")).isGreaterThanOrEqualTo(dueAt);
    }

    @Test
    void commitsOnlyThePrefixWhoseOutcomesAreDurableAndNeverPastAFailedOne() throws Exception {
        String topic = topic();
        for (int i = 0; i < 3; i++) {
            client.send(topic, "k", ("r" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<Long, CompletableFuture<Void>> outcomes = new ConcurrentHashMap<>();
        Meters meters = new Meters();
        Intake intake = r -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            outcomes.put(r.offset(), f);
            meters.inFlight.incrementAndGet();
            f.whenComplete((v, e) -> meters.inFlight.decrementAndGet());
            return Intake.Taken.started(f);
        };

        try (Running loop = run(topic, intake, meters)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> outcomes.size() == 3);
            outcomes.get(1L).complete(null);
            outcomes.get(2L).complete(null);
            Thread.sleep(1500);
            assertThat(committed(topic)).as("offset 0 is not durable yet").isLessThanOrEqualTo(0);

            outcomes.get(0L).completeExceptionally(new IllegalStateException("closing with it unwritten"));
            Thread.sleep(1500);
            assertThat(committed(topic)).as("a failed outcome holds the commit back").isLessThanOrEqualTo(0);
        }
        assertThat(committed(topic)).isLessThanOrEqualTo(0);
    }

    private static String topic() throws Exception {
        String topic = "loop-test-" + TOPICS.incrementAndGet();
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        return topic;
    }

    private static long committed(String topic) throws Exception {
        OffsetAndMetadata o = admin.listConsumerGroupOffsets("group-" + topic).partitionsToOffsetAndMetadata().get()
                .get(new TopicPartition(topic, 0));
        return o == null ? -1 : o.offset();
    }

    private static Running run(String topic, Intake intake, Meters meters) {
        Properties p = KafkaClients.manualCommitConsumer(kafka.bootstrapServers(), "group-" + topic, "loop-" + topic);
        CommittingLoop loop = new CommittingLoop("test-consumer", p, List.of(topic), catalog, intake, meters, 100,
                Duration.ofSeconds(1), Clock.systemUTC());
        Thread t = new Thread(loop, "test-loop");
        t.start();
        return new Running(loop, t);
    }

    private record Running(CommittingLoop loop, Thread thread) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            loop.stop();
            thread.join();
        }
    }

    private static final class Meters implements EngineMeters {
        final AtomicInteger inFlight = new AtomicInteger();
        private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();

        @Override
        public PrometheusMeterRegistry registry() {
            return registry;
        }

        @Override
        public void started() {
        }

        @Override
        public void finished() {
        }

        @Override
        public int inFlight() {
            return inFlight.get();
        }

        @Override
        public void attempted(AttemptRecord r) {
        }

        @Override
        public void parked(SubscriptionLimiter.Limit limit) {
        }
    }
}
