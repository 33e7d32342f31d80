package io.hookrelay.launcher;

import static io.hookrelay.testing.KafkaTestClient.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hookrelay dead-letters list|redrive} run in-process against a real broker, output captured as ops read it. */
class DeadLettersCommandTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofMinutes(30));

    private static EmbeddedKafka broker;
    private static KafkaTestClient kafka;

    /** What one run printed, and its exit status. */
    record Run(int status, String out, String err) {
        List<String> lines() {
            return Arrays.asList(out.split("\n"));
        }
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.startEphemeral();
        // The jar's default schedule starts with 5s; the injected environment below uses 1s,2s.
        TopicProvisioner.ensure(broker.bootstrapServers(), 2, RetrySchedule.parse("1s,2s,5s"));
        kafka = new KafkaTestClient(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        kafka.close();
        broker.close();
    }

    /** Through the jar's own entry point, as {@code java -jar hookrelay.jar dead-letters ...} runs it. */
    private static Run viaMain(String... args) {
        return run(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true), args);
    }

    /** With a given environment: {@code KAFKA_BOOTSTRAP_SERVERS} and a 1s,2s schedule. */
    private static Run withEnvironment(String... args) {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "WEBHOOKS_RETRY_SCHEDULE", "1s,2s");
        return run(new CommandLine(new DeadLettersCommand(env, Clock.fixed(NOW, ZoneOffset.UTC))), args);
    }

    private static Run run(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int status = cmd.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    private static String newSubscriptionId() {
        return "sub_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static Delivery delivery(String operatorId, String subscriptionId, String eventId) {
        ObjectNode e = Json.object();
        e.put("event_id", eventId);
        e.put("event_type", "commission.approved");
        e.put("occurred_at", "2026-11-27T10:00:00Z");
        e.put("operator_id", operatorId);
        e.put("affiliate_id", "aff-7");
        e.put("commission_id", "c-" + eventId);
        e.put("model", "CPA");
        e.put("amount", "40.00");
        e.put("currency", "EUR");
        return new Delivery(WebhookIds.of(operatorId, eventId, subscriptionId), subscriptionId, operatorId, eventId,
                "commission.approved", 8, BASE.minus(Duration.ofHours(28)).toEpochMilli(), BASE.toEpochMilli(), e, null);
    }

    private static void deadLetter(Delivery d, DeadReason reason, Instant deadAt) {
        ProducerRecord<String, byte[]> r = d.toDeadLetterRecord(500, "HTTP 500 Internal Server Error", reason);
        send(new ProducerRecord<>(Topics.DLQ, null, deadAt.toEpochMilli(), r.key(), r.value(), r.headers()));
    }

    private static void unreadable(String subscriptionId, Instant deadAt) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.DLQ, null, deadAt.toEpochMilli(), subscriptionId,
                "{\"webhook_id\":".getBytes(StandardCharsets.UTF_8));
        r.headers().add(WireHeaders.DEAD_REASON, DeadReason.INVALID.wire().getBytes(StandardCharsets.UTF_8));
        send(r);
    }

    private static void send(ProducerRecord<String, byte[]> r) {
        try {
            kafka.producer().send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void listPrintsOneLinePerLetterAcrossOperatorsWithUnreadableOnes() {
        String subA = newSubscriptionId();
        String subB = newSubscriptionId();
        Delivery a = delivery("op-a", subA, "com-1");
        Delivery b = delivery("op-b", subB, "com-2");
        // A window of its own: across operators, the other tests' letters would show too.
        Instant t = BASE.minus(Duration.ofMinutes(10));
        deadLetter(a, DeadReason.EXHAUSTED, t);
        deadLetter(b, DeadReason.GONE, t.plusSeconds(1));
        unreadable(subA, t.plusSeconds(2));

        Run all = viaMain("dead-letters", "list", "--bootstrap-server", broker.bootstrapServers(),
                "--since", t.toString(), "--until", t.plusSeconds(3).toString());

        assertThat(all.status()).as(all.err()).isZero();
        List<String> lines = all.lines();
        assertThat(lines.get(0)).startsWith("POSITION").contains("DEAD_AT", "REASON", "OPERATOR", "SUBSCRIPTION",
                "WEBHOOK_ID", "EVENT_TYPE", "EVENT_ID", "ATTEMPT", "STATUS", "LAST_ERROR");
        assertThat(lines).hasSize(5);
        assertThat(lines.get(1)).startsWith("webhooks.dlq/").contains(t.toString(), "exhausted", "op-a", subA,
                a.webhookId(), "commission.approved", "com-1", " 8 ", "500", "HTTP 500 Internal Server Error");
        assertThat(lines.get(2)).contains("gone", "op-b", subB, b.webhookId());
        assertThat(lines.get(3)).contains("invalid", subA, "unreadable: the value is not a JSON delivery");
        assertThat(lines.get(4)).isEqualTo("3 letters, oldest first.");
    }

    @Test
    void listNarrowsToOneOperatorWhichLeavesOutUnreadableLetters() {
        String sub = newSubscriptionId();
        Delivery a = delivery("op-a", sub, "com-3");
        deadLetter(a, DeadReason.EXHAUSTED, BASE);
        unreadable(sub, BASE);

        Run mine = viaMain("dead-letters", "list", "--bootstrap-server", broker.bootstrapServers(),
                "--operator", "op-a", "--subscription", sub);
        Run none = viaMain("dead-letters", "list", "--bootstrap-server", broker.bootstrapServers(),
                "--operator", "op-b", "--subscription", sub);

        assertThat(mine.lines()).hasSize(3);
        assertThat(mine.lines().get(1)).contains(a.webhookId());
        assertThat(none.out()).isEqualTo("No dead letters match.\n");
    }

    @Test
    void redriveWritesTheLettersToTheFirstTierAndPrintsTheCount() {
        String sub = newSubscriptionId();
        Delivery one = delivery("op-a", sub, "com-4");
        Delivery two = delivery("op-a", sub, "com-5");
        deadLetter(one, DeadReason.EXHAUSTED, BASE);
        deadLetter(two, DeadReason.EXHAUSTED, BASE.plusSeconds(1));
        unreadable(sub, BASE.plusSeconds(2));

        Run r = withEnvironment("redrive", "--subscription", sub);

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.lines()).containsExactly(
                "Redrove 2 letters to webhooks.retry.1s as attempt 2, due now.",
                "Skipped 1 letter whose value is unreadable (never redriven; see them with list).");
        List<ConsumerRecord<String, byte[]>> tier = kafka.readUntil("webhooks.retry.1s",
                recs -> recs.stream().filter(x -> sub.equals(x.key())).count() >= 2, Duration.ofSeconds(20))
                .stream().filter(x -> sub.equals(x.key())).toList();
        assertThat(tier).extracting(x -> header(x, WireHeaders.WEBHOOK_ID))
                .containsExactlyInAnyOrder(one.webhookId(), two.webhookId());
        assertThat(tier).extracting(x -> Delivery.read(x).attempt()).containsOnly(2);
        assertThat(tier).extracting(x -> Delivery.read(x).dueAt()).containsOnly(NOW.toEpochMilli());
    }

    @Test
    void badArgumentsExitWith2NamingTheOption() {
        Run r = withEnvironment("list", "--since", "yesterday", "--limit", "5000", "--reason", "lost");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Invalid value for --since: must be an ISO-8601 date-time",
                "Invalid value for --limit: must be between 1 and 1000, got 5000",
                "Invalid value for --reason: must be one of exhausted, gone, endpoint-disabled, endpoint-deleted, invalid, got 'lost'");
    }

    @Test
    void theJarStillTakesItsModesBesideTheSubcommand() {
        Main main = new Main();
        CommandLine.ParseResult demo = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("demo");
        assertThat(demo.hasSubcommand()).isFalse();
        assertThat(main.mode).isEqualTo(Main.Mode.demo);

        Main byDefault = new Main();
        new CommandLine(byDefault).parseArgs();
        assertThat(byDefault.mode).isEqualTo(Main.Mode.all);

        Run help = viaMain("--help");
        assertThat(help.out()).contains("dead-letters", "MODE");
    }
}
