package io.hookrelay.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.ChildJvm;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.PrometheusText;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Two dispatchers in one group share the partitions of {@code webhooks.accepted}; when one is killed
 * the way a machine dies, the other takes its partitions over and every event still reaches the
 * subscriber (at least once, under one webhook-id), or waits durably on the first retry tier. Each
 * dispatcher is a child JVM, so the kill leaves no shutdown hook and no final commit.
 */
class TwoDispatchersTest {

    private static final int EVENTS = 2_000;
    /**
     * Produced every {@link #PACE}: 500 events a second, more than the two members can attempt here
     * (4 connections each, 20 ms answers), so A dies with events fetched or in flight, not committed.
     */
    private static final int CHUNK = 50;
    private static final Duration PACE = Duration.ofMillis(100);
    /** The last quarter of the events is produced only after the kill. */
    private static final int HELD_BACK_FROM = EVENTS * 3 / 4;
    private static final int PARTITIONS = 6;
    private static final String OPERATOR = "op-pair";
    private static final String PATH = "/pair";
    /** A rebalance line of {@link io.hookrelay.kafka.OffsetCommitter}: which partitions a member gained or gave up. */
    private static final Pattern REBALANCE = Pattern.compile("event=partitions\\.(assigned|revoked|lost) group="
            + Pattern.quote(DispatcherService.GROUP_ID) + " .*partitions=(\\S+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void twoInstancesSplitTheLoadAndTheSurvivorTakesOverWithNothingLost() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "child-dispatchers"));
        Path logA = logs.resolve("pair-a.log");
        Path logB = logs.resolve("pair-b.log");
        ExecutorService producing = Executors.newSingleThreadExecutor();
        CountDownLatch killed = new CountDownLatch(1);
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers());
            TopicProvisioner.ensure(kafka.bootstrapServers(), PARTITIONS, config.get(PipelineConfig.RETRY_SCHEDULE));
            // Each answer takes a moment, so deliveries are in flight whenever a member dies.
            receiver.reply(PATH, Reply.status(204).after(Duration.ofMillis(20)));
            Subscription s = Fixtures.subscription(OPERATOR, receiver.url(PATH), List.of("*"));
            Fixtures.putSubscription(client, s.id(), s);

            int portA = freePort();
            int portB = freePort();
            Process a = ChildJvm.start(DispatcherService.class, env(kafka, portA), logA);
            Process b = ChildJvm.start(DispatcherService.class, env(kafka, portB), logB);
            try {
                // The group settles first (every partition owned, each member some), so the load is
                // there for both to share. Two JVMs starting on a busy machine can take a while: this
                // waits, it does not measure.
                await("both members own partitions").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            Set<Integer> ownedByA = owned(logA);
                            Set<Integer> ownedByB = owned(logB);
                            return !ownedByA.isEmpty() && !ownedByB.isEmpty()
                                    && union(ownedByA, ownedByB).size() == PARTITIONS;
                        });

                // Events arrive at a steady pace, as from the ingest-service, rather than in one
                // burst: however fast the members dispatch, the stream is still running at the kill,
                // and its last quarter is held back until the kill is done.
                AtomicInteger produced = new AtomicInteger();
                Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
                Future<?> production = producing.submit(() -> {
                    produceEvents(client, produced, partitionOf, killed);
                    return null;
                });

                // Each member has made attempts of its own (its /metrics says so)...
                await("both members attempting").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> attempts(portA) > 0 && attempts(portB) > 0);
                double attemptsByA = attempts(portA);
                double attemptsByB = attempts(portB);
                // ...and A dies mid-stream: with half the events out and more coming. Waiting on the
                // count alone (no scrape) keeps the kill close to the half.
                await("half the events produced").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> produced.get() >= EVENTS / 2);
                int producedAtKill = produced.get();
                int receivedAtKill = receiver.received(PATH).size();
                ChildJvm.kill(a);
                killed.countDown();
                Set<Integer> heldByA = owned(logA);
                System.out.printf("PAIR split: A held %s and had made %.0f attempts, B held %s and had made %.0f;"
                        + " A killed with %d events produced and %d requests received%n", heldByA, attemptsByA,
                        owned(logB), attemptsByB, producedAtKill, receivedAtKill);
                assertThat(attemptsByA).as("attempts made by instance A before the kill").isPositive();
                assertThat(attemptsByB).as("attempts made by instance B before the kill").isPositive();
                assertThat(producedAtKill).as("events produced when A was killed").isLessThan(EVENTS);
                production.get(60, TimeUnit.SECONDS);
                Set<String> laterOnA = partitionOf.entrySet().stream()
                        .filter(e -> index(e.getKey()) >= HELD_BACK_FROM && heldByA.contains(e.getValue()))
                        .map(Map.Entry::getKey).collect(Collectors.toSet());
                assertThat(laterOnA).as("events produced after the kill to the dead member's partitions").isNotEmpty();

                // The survivor notices the death after its session timeout (10 s), takes A's
                // partitions, resumes them from A's last commit, and delivers the rest.
                try {
                    await("the survivor takes over and delivers the rest").atMost(Duration.ofSeconds(120))
                            .pollInterval(Duration.ofSeconds(2))
                            .until(() -> owned(logB).size() == PARTITIONS
                                    && missing(receiver.received(PATH), client, config).isEmpty());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + "\n" + diagnosis(kafka.bootstrapServers(), logB,
                            missing(receiver.received(PATH), client, config), partitionOf), e);
                }
                // Read before stopping it: a member stopping gives its partitions up.
                assertThat(owned(logB)).as("partitions of the survivor after the kill").containsAll(heldByA);
            } finally {
                killed.countDown();
                a.destroyForcibly();
                ChildJvm.stop(b);
            }

            List<Received> all = receiver.received(PATH);
            Map<String, Set<String>> webhookIdsByEvent = all.stream().collect(Collectors.groupingBy(
                    TwoDispatchersTest::eventId, Collectors.mapping(r -> r.header("webhook-id"), Collectors.toSet())));
            Set<String> retried = Fixtures.retriedEventIds(client, config);
            Set<String> accounted = new TreeSet<>(webhookIdsByEvent.keySet());
            accounted.addAll(retried);
            assertThat(accounted).as("events delivered, or durable on the first retry tier").isEqualTo(allEventIds());
            webhookIdsByEvent.forEach((eventId, ids) -> assertThat(ids).as("webhook-id of %s", eventId)
                    .containsExactly(WebhookIds.of(OPERATOR, eventId, s.id())));
            System.out.printf("PAIR %d events: %d requests, %d events delivered, %d on the first retry tier%n", EVENTS,
                    all.size(), webhookIdsByEvent.size(), retried.size());
        } finally {
            producing.shutdownNow();
        }
    }

    private static Map<String, String> env(EmbeddedKafka kafka, int httpPort) {
        return KafkaTestClient.env(kafka.bootstrapServers(), "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true",
                "DISPATCHER_HTTP_PORT", Integer.toString(httpPort), "WEBHOOKS_PARTITIONS", Integer.toString(PARTITIONS),
                "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", "4",
                // Each instance on one host needs its own directory for its Streams state.
                "WEBHOOKS_DATA_DIR", Fixtures.tempDataDir());
    }

    /**
     * Produces the events in order, {@link #CHUNK} every {@link #PACE}, noting each one's partition;
     * from event {@link #HELD_BACK_FROM} on, only once {@code killed} is open.
     */
    private static void produceEvents(KafkaTestClient client, AtomicInteger produced, Map<String, Integer> partitionOf,
                                      CountDownLatch killed) throws Exception {
        for (int i = 0; i < EVENTS; i++) {
            if (i == HELD_BACK_FROM && !killed.await(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException("No kill within 90 s; the last events were never produced");
            }
            String eventId = "pair-" + i;
            var event = Fixtures.event(OPERATOR, eventId).json();
            client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, event.get("player_ref").asText(),
                    Json.bytes(event)), (md, e) -> {
                        if (md != null) {
                            partitionOf.put(eventId, md.partition());
                        }
                    });
            produced.incrementAndGet();
            if ((i + 1) % CHUNK == 0) {
                client.producer().flush();
                Thread.sleep(PACE.toMillis());
            }
        }
        client.producer().flush();
    }

    private static int index(String eventId) {
        return Integer.parseInt(eventId.substring(eventId.indexOf('-') + 1));
    }

    private static Set<String> allEventIds() {
        return IntStream.range(0, EVENTS).mapToObj(i -> "pair-" + i).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Partitions of webhooks.accepted a member holds, replaying its rebalance log lines in order. */
    private static Set<Integer> owned(Path log) throws IOException {
        Set<Integer> owned = new TreeSet<>();
        if (!Files.exists(log)) {
            return owned;
        }
        for (String line : Files.readAllLines(log)) {
            Matcher m = REBALANCE.matcher(line);
            if (m.find()) {
                Set<Integer> changed = partitions(m.group(2));
                if (m.group(1).equals("assigned")) {
                    owned.addAll(changed);
                } else {
                    owned.removeAll(changed);
                }
            }
        }
        return owned;
    }

    private static Set<Integer> partitions(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String tp : list.split(",")) {
            out.add(Integer.parseInt(tp.substring(tp.lastIndexOf('-') + 1)));
        }
        return out;
    }

    private static Set<Integer> union(Set<Integer> x, Set<Integer> y) {
        Set<Integer> u = new TreeSet<>(x);
        u.addAll(y);
        return u;
    }

    /** Attempts an instance has made and recorded, whatever their outcome, as its own /metrics counts them. */
    private static double attempts(int httpPort) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return PrometheusText.parse(r.body()).sum("hookrelay_deliveries_total");
    }

    /**
     * Events neither delivered nor durable on the first retry tier after a failed attempt. The tier
     * is read only while deliveries alone do not cover everything, since reading it takes a while.
     */
    private static Set<String> missing(List<Received> received, KafkaTestClient client, PipelineConfig config) {
        Set<String> missing = allEventIds();
        missing.removeAll(eventIds(received));
        if (!missing.isEmpty()) {
            missing.removeAll(Fixtures.retriedEventIds(client, config));
        }
        return missing;
    }

    /** What tells a stall (commits short of the end) from a loss (committed past events never delivered). */
    private static String diagnosis(String bootstrap, Path logB, Set<String> missing, Map<String, Integer> partitionOf)
            throws Exception {
        Map<Integer, List<String>> missingByPartition = new TreeMap<>();
        for (String id : missing) {
            missingByPartition.computeIfAbsent(partitionOf.get(id), p -> new ArrayList<>()).add(id);
        }
        StringBuilder out = new StringBuilder();
        out.append(missing.size()).append(" events missing; per partition: ");
        missingByPartition.forEach((p, ids) -> out.append(p).append('=').append(ids.size())
                .append(ids.size() <= 5 ? ids.toString() : "").append(' '));
        out.append("\nsurvivor owns ").append(owned(logB));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(DispatcherService.GROUP_ID)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(Topics.ACCEPTED, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get();
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(Topics.ACCEPTED, p);
                OffsetAndMetadata c = committed.get(tp);
                out.append("\n").append(tp).append(": committed ").append(c == null ? "none" : c.offset())
                        .append(", end ").append(ends.get(tp).offset());
            }
        }
        return out.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Set<String> eventIds(List<Received> received) {
        return received.stream().map(TwoDispatchersTest::eventId).collect(Collectors.toSet());
    }

    private static String eventId(Received r) {
        try {
            return Json.tree(r.body()).get("data").get("event_id").asText();
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + r.bodyText(), e);
        }
    }
}
