package io.hookrelay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Streams app under {@link SupervisedStreams} on a real broker: a dying stream thread is replaced
 * and a stopped client rebuilt, each counted and logged, and no record is lost or doubled (exactly once).
 */
class SupervisedStreamsTest {

    private EmbeddedKafka kafka;
    private KafkaTestClient client;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Set by a test: the next record "boom" kills its stream thread once. */
    private final AtomicBoolean armed = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        kafka = EmbeddedKafka.startEphemeral();
        try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("in", 1, (short) 1), new NewTopic("out", 1, (short) 1))).all().get();
        }
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void stop() {
        client.close();
        kafka.close();
    }

    @Test
    void aStreamThreadKilledByAnErrorIsReplacedAndItsRecordsAreProcessedExactlyOnce() throws Exception {
        try (LogCapture logs = LogCapture.install();
             SupervisedStreams app = SupervisedStreams.start("test-streams", "test-app", factory(), new Recoveries(meters))) {
            armed.set(true);
            send("a", "boom", "b");

            List<String> out = awaitOutput(3);
            assertThat(out).containsExactly("A", "BOOM", "B");
            assertThat(recoveries("replace_thread")).isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(30)).until(app::isRunning);
            assertThat(logs.shownByDefault()).anyMatch(l -> l.text().startsWith("event=kafka.recovering component=test-streams"
                    + " action=replace_thread error=\"IllegalStateException: boom\""));
        }
    }

    @Test
    void aClientThatStoppedIsRebuiltFromItsFactoryAndHandedToWhoeverFollowsIt() throws Exception {
        List<KafkaStreams> seen = new CopyOnWriteArrayList<>();
        try (SupervisedStreams app = SupervisedStreams.start("test-streams", "test-app", factory(), new Recoveries(meters))) {
            app.onEachStart(seen::add);
            send("a");
            awaitOutput(1);

            // Stopped from outside, as a client that gave up would be: not by the supervisor's close.
            app.streams().close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(10))
                    .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 2 && app.isRunning());
            send("b");

            assertThat(awaitOutput(2)).containsExactly("A", "B");
            assertThat(app.streams()).isSameAs(seen.get(1)).isNotSameAs(seen.get(0));
            assertThat(recoveries("rebuild_client")).isEqualTo(1.0);
        }
    }

    private Supplier<KafkaStreams> factory() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test-app");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams").toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50);
        return () -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .mapValues(v -> {
                        if (v.equals("boom") && armed.compareAndSet(true, false)) {
                            throw new IllegalStateException("boom");
                        }
                        return v.toUpperCase();
                    })
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return new KafkaStreams(b.build(), p);
        };
    }

    private void send(String... values) {
        for (String v : values) {
            client.send("in", "k", v.getBytes(StandardCharsets.UTF_8));
        }
    }

    private List<String> awaitOutput(int count) {
        // Read a little past the count, so a doubled record would show.
        long[] firstFull = {0};
        return client.readUntil("out", l -> {
                    if (l.size() < count) {
                        return false;
                    }
                    if (firstFull[0] == 0) {
                        firstFull[0] = System.nanoTime();
                    }
                    return System.nanoTime() - firstFull[0] > Duration.ofSeconds(1).toNanos();
                }, Duration.ofSeconds(90)).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private double recoveries(String action) {
        return meters.find("hookrelay.kafka.recoveries").tag("component", "test-streams").tag("action", action)
                .counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
