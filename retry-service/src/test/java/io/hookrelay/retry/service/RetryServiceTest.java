package io.hookrelay.retry.service;

import static io.hookrelay.retry.service.Fixtures.tier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.PrometheusText;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.tools.consumer.ConsoleConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One retry-service on a real broker with the schedule {@code 1s,2s,3s} (four attempts), against a
 * real local receiver: what a subscriber, and an operator reading Kafka, observe of retries, and of
 * deliveries parked because their subscription was at one of its limits.
 */
class RetryServiceTest {

    private static final String SCHEDULE = "1s,2s,3s";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");

    private static StdoutCapture stdout;
    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static WebhookReceiver receiver;
    private static PipelineConfig config;
    private static RetryService service;

    @BeforeAll
    static void start() {
        stdout = StdoutCapture.install();
        kafka = EmbeddedKafka.startEphemeral();
        client = new KafkaTestClient(kafka.bootstrapServers());
        receiver = WebhookReceiver.start();
        config = Fixtures.config(kafka.bootstrapServers(), SCHEDULE);
        TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
        service = RetryService.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        service.close();
        receiver.close();
        client.close();
        kafka.close();
        stdout.close();
    }

    @Test
    void deliversOnThirdAttemptAfterTwoFailuresNeverEarly() throws Exception {
        receiver.reply("/flaky", Reply.status(500));
        Subscription s = subscribe(receiver.url("/flaky"));
        AttemptRecord first;
        try (FirstAttempt dispatcher = new FirstAttempt(config)) {
            first = dispatcher.make(Fixtures.event("flaky-1"), s);
        }
        assertThat(first.outcome()).isEqualTo(Outcome.RETRYING);
        // Attempt 2 fails too; attempt 3, at least 2 s later, finds the subscriber fixed.
        await().atMost(WAIT).until(() -> receiver.received("/flaky").size() >= 2);
        receiver.reply("/flaky", Reply.status(204));

        List<AttemptRecord> attempts = new ArrayList<>(Fixtures.attempts(client, Set.of(first.webhookId()), 3, WAIT));
        attempts.sort(Comparator.comparingInt(AttemptRecord::attempt));
        assertThat(attempts).extracting(AttemptRecord::attempt).containsExactly(1, 2, 3);
        assertThat(attempts).extracting(AttemptRecord::outcome)
                .containsExactly(Outcome.RETRYING, Outcome.RETRYING, Outcome.DELIVERED);
        assertThat(attempts.get(1).dueAt()).isEqualTo(attempts.get(0).nextDueAt())
                .isGreaterThanOrEqualTo(attempts.get(0).attemptedAt() + 1000);
        assertThat(attempts.get(2).dueAt()).isEqualTo(attempts.get(1).nextDueAt())
                .isGreaterThanOrEqualTo(attempts.get(1).attemptedAt() + 2000);
        assertThat(attempts).extracting(AttemptRecord::eventPosition).as("carried through every tier for resend")
                .containsOnly(Fixtures.POSITION);
        for (AttemptRecord a : attempts) {
            assertThat(a.latenessMs()).as("lateness of attempt %d", a.attempt())
                    .isEqualTo(a.attemptedAt() - a.dueAt()).isGreaterThanOrEqualTo(0);
        }

        List<Received> got = receiver.received("/flaky");
        assertThat(got).hasSize(3);
        for (int i = 1; i < 3; i++) {
            assertThat(got.get(i).at().toEpochMilli()).as("receive time of attempt %d", i + 1)
                    .isGreaterThanOrEqualTo(attempts.get(i).dueAt());
        }
        for (Received r : got) {
            assertThat(r.header("webhook-id")).isEqualTo(first.webhookId());
            long ts = Long.parseLong(r.header("webhook-timestamp"));
            assertThat(WebhookSigner.verify(s.secret(), first.webhookId(), ts, r.body(), r.header("webhook-signature")))
                    .as("signature of a request at %s", r.at()).isTrue();
        }
        assertThat(Long.parseLong(got.get(2).header("webhook-timestamp")))
                .as("a fresh timestamp on every attempt")
                .isGreaterThan(Long.parseLong(got.get(0).header("webhook-timestamp")));
        assertThat(linesAbout(first.webhookId())).as("no log line for a delivery that succeeds").isEmpty();
    }

    @Test
    void deadLettersExhaustedDeliveryWithEveryContractHeaderForTheConsoleConsumer() throws Exception {
        receiver.reply("/down", Reply.status(500));
        Subscription s = subscribe(receiver.url("/down"));
        AttemptRecord first;
        try (FirstAttempt dispatcher = new FirstAttempt(config)) {
            first = dispatcher.make(Fixtures.event("down-1"), s);
        }
        List<ConsumerRecord<String, byte[]>> letters = Fixtures.deadLetters(client, Set.of(s.id()), 1, WAIT);
        assertThat(letters).hasSize(1);
        assertThat(receiver.received("/down")).hasSize(4);

        // Read it as ops would: Kafka's own console consumer, from the beginning, headers printed.
        long total = endOffsetsSum(Topics.DLQ);
        String webhookId = first.webhookId();
        ConsoleConsumer.main(new String[] {"--bootstrap-server", kafka.bootstrapServers(), "--topic", Topics.DLQ,
                "--from-beginning", "--formatter-property", "print.headers=true",
                "--max-messages", Long.toString(total), "--timeout-ms", "20000"});
        List<String> printed = stdout.lines().stream()
                .filter(l -> l.contains(WireHeaders.WEBHOOK_ID + ":" + webhookId) && l.contains("\t{")).toList();
        assertThat(printed).hasSize(1);
        String line = printed.get(0);
        assertThat(line).contains(
                "webhooks.subscription-id:" + s.id(),
                "webhooks.event-id:down-1",
                "webhooks.event-type:conversion.ftd",
                "webhooks.attempt:4",
                "webhooks.first-attempt-at:" + first.attemptedAt(),
                "webhooks.last-status:500",
                "webhooks.last-error:HTTP 500",
                "webhooks.dead-reason:exhausted");
        long dueAt = Long.parseLong(header(letters.get(0), WireHeaders.DUE_AT));
        assertThat(line).contains("webhooks.due-at:" + dueAt);
        assertThat(dueAt).isGreaterThan(first.attemptedAt() + 6000 - 1);
        assertThat(Delivery.fromJson(letters.get(0).value()).webhookId()).isEqualTo(webhookId);

        assertThat(linesAbout(webhookId)).as("one log line per dead-lettered delivery").hasSize(1)
                .allMatch(l -> l.contains("INFO") && l.contains("event=delivery.dead_lettered")
                        && l.contains(" reason=exhausted ") && l.contains(" subscription_id=" + s.id() + " "));
    }

    @Test
    void goneDisablesSubscriptionAndDeadLettersWithoutLoggingUrlOrSecret() {
        receiver.reply("/gone", Reply.status(410));
        Subscription s = subscribe(receiver.url("/gone?token=tok-abc-123"));
        Delivery d = Fixtures.waiting(s, "gone-1", 2, System.currentTimeMillis() + 1000);
        Fixtures.putOnTier(client, tier("1s"), d);

        List<ConsumerRecord<String, byte[]>> letters = Fixtures.deadLetters(client, Set.of(s.id()), 1, WAIT);
        assertThat(header(letters.get(0), WireHeaders.DEAD_REASON)).isEqualTo("gone");
        assertThat(header(letters.get(0), WireHeaders.LAST_STATUS)).isEqualTo("410");
        assertThat(header(letters.get(0), WireHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(receiver.received("/gone?token=tok-abc-123")).hasSize(1);

        List<ConsumerRecord<String, byte[]>> changes = client.readUntil(Topics.SUBSCRIPTIONS,
                l -> l.stream().anyMatch(r -> s.id().equals(r.key()) && isDisabled(r.value())), WAIT);
        assertThat(changes.stream().filter(r -> s.id().equals(r.key())).reduce((a, b) -> b).orElseThrow().value())
                .as("the subscription as last written").satisfies(v -> assertThat(isDisabled(v)).isTrue());

        await().atMost(Duration.ofSeconds(5)).until(() -> !linesAbout(d.webhookId()).isEmpty());
        assertThat(linesAbout(d.webhookId())).hasSize(1)
                .allMatch(l -> l.contains("event=delivery.dead_lettered") && l.contains(" reason=gone "));
        assertThat(stdout.lines()).noneMatch(l -> l.contains("tok-abc-123") || l.contains(s.secret()));
    }

    @Test
    void retryAfterPostponesNextAttemptAtLeastThatLong() {
        receiver.reply("/busy", Reply.status(503).withHeader("Retry-After", "3"));
        Subscription s = subscribe(receiver.url("/busy"));
        Delivery d = Fixtures.waiting(s, "busy-1", 2, System.currentTimeMillis() + 1000);
        Fixtures.putOnTier(client, tier("1s"), d);

        await().atMost(WAIT).until(() -> receiver.received("/busy").size() >= 1);
        receiver.reply("/busy", Reply.status(204));
        await().atMost(WAIT).until(() -> receiver.received("/busy").size() >= 2);

        List<Received> got = receiver.received("/busy");
        // The schedule says 2 s before attempt 3; the subscriber asked for 3.
        assertThat(Duration.between(got.get(0).at(), got.get(1).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        List<AttemptRecord> attempts = Fixtures.attempts(client, Set.of(d.webhookId()), 2, WAIT);
        AttemptRecord busy = attempts.stream().filter(a -> a.attempt() == 2).findFirst().orElseThrow();
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.nextDueAt()).isGreaterThanOrEqualTo(busy.attemptedAt() + 3000);
        assertThat(attempts.stream().filter(a -> a.attempt() == 3).findFirst().orElseThrow().outcome())
                .isEqualTo(Outcome.DELIVERED);
    }

    @Test
    void deletedOrDisabledSubscriptionDeadLettersWithoutRequest() {
        Subscription deleted = subscribe(receiver.url("/deleted"));
        Fixtures.deleteSubscription(client, deleted.id());
        Subscription disabled = subscribe(receiver.url("/disabled"));
        Fixtures.putSubscription(client, disabled.withEnabled(false, "disabled through the API", Instant.now()));
        await().atMost(WAIT).until(() -> service.catalog().get(deleted.id()).isEmpty()
                && service.catalog().get(disabled.id()).map(x -> !x.enabled()).orElse(false));

        long due = System.currentTimeMillis() + 1000;
        Fixtures.putOnTier(client, tier("2s"), Fixtures.waiting(deleted, "deleted-1", 3, due));
        Fixtures.putOnTier(client, tier("1s"), Fixtures.waiting(disabled, "disabled-1", 2, due));

        Map<String, ConsumerRecord<String, byte[]>> letters = Fixtures.deadLetters(client,
                Set.of(deleted.id(), disabled.id()), 2, WAIT).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, r -> r));
        assertThat(letters).hasSize(2);
        assertThat(header(letters.get(deleted.id()), WireHeaders.DEAD_REASON)).isEqualTo("endpoint-deleted");
        assertThat(header(letters.get(disabled.id()), WireHeaders.DEAD_REASON)).isEqualTo("endpoint-disabled");
        // The number of the last attempt made: the one they waited for was never made.
        assertThat(header(letters.get(deleted.id()), WireHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(header(letters.get(disabled.id()), WireHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(header(letters.get(disabled.id()), WireHeaders.LAST_STATUS)).isEqualTo("500");
        assertThat(receiver.received("/deleted")).isEmpty();
        assertThat(receiver.received("/disabled")).isEmpty();
        assertThat(letters.values()).extracting(r -> Delivery.read(r).eventPosition()).containsOnly(Fixtures.POSITION);
    }

    @Test
    void unreadableRecordsAreDeadLetteredWithTheirBytesAsTheyWere() {
        String notJson = "bad-json-" + UUID.randomUUID();
        String noDueAt = "no-due-at-" + UUID.randomUUID();
        String tombstone = "tombstone-" + UUID.randomUUID();
        byte[] garbage = "{\"webhook_id\": oops".getBytes(StandardCharsets.UTF_8);
        client.send(tier("1s"), notJson, garbage, "x-origin", "a stray writer", "webhook-id", "msg_x");
        Subscription s = Fixtures.subscription(receiver.url("/never"));
        byte[] delivery = Fixtures.waiting(s, "no-due-1", 2, System.currentTimeMillis()).toJson();
        client.send(tier("1s"), noDueAt, delivery, "webhook-id", "msg_y");
        client.send(tier("2s"), tombstone, null, "x-origin", "a tombstone");

        Map<String, ConsumerRecord<String, byte[]>> letters = Fixtures.deadLetters(client,
                Set.of(notJson, noDueAt, tombstone), 3, WAIT).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, r -> r));
        assertThat(letters).hasSize(3);
        assertThat(letters.get(notJson).value()).isEqualTo(garbage);
        assertThat(letters.get(noDueAt).value()).isEqualTo(delivery);
        assertThat(letters.get(tombstone).value()).isNull();
        assertThat(headerList(letters.get(notJson))).startsWith("x-origin=a stray writer", "webhook-id=msg_x");
        assertThat(headerList(letters.get(noDueAt))).startsWith("webhook-id=msg_y");
        assertThat(headerList(letters.get(tombstone))).startsWith("x-origin=a tombstone");
        for (ConsumerRecord<String, byte[]> letter : letters.values()) {
            assertThat(header(letter, WireHeaders.DEAD_REASON)).isEqualTo(DeadReason.INVALID.wire());
            assertThat(header(letter, WireHeaders.ORIGINAL_TOPIC)).startsWith(Topics.RETRY_PREFIX);
        }
        assertThat(header(letters.get(noDueAt), WireHeaders.ERROR)).contains("webhooks.due-at is missing");
        assertThat(header(letters.get(notJson), WireHeaders.ERROR)).contains("not a JSON delivery");
        assertThat(receiver.received("/never")).isEmpty();
    }

    @Test
    void aParkedFirstDeliveryIsAttemptOneThenFollowsTheSchedule() throws Exception {
        receiver.reply("/parked-first", Reply.status(500));
        Subscription s = subscribe(receiver.url("/parked-first"));
        long dueAt = System.currentTimeMillis() + 200;
        // As the dispatcher parks a first delivery when the subscription is at its max_in_flight.
        Delivery parked = Delivery.first(Fixtures.event("parked-first-1"), s.id(), dueAt - 1_000).withDueAt(dueAt);
        client.producer().send(parked.toParkedRecord(tier("1s"), 0, null, "max_in_flight")).get(30, TimeUnit.SECONDS);

        // Attempt 1 fails; attempt 2, a second later on the schedule, finds the subscriber fixed.
        await().atMost(WAIT).until(() -> receiver.received("/parked-first").size() >= 1);
        receiver.reply("/parked-first", Reply.status(204));
        List<AttemptRecord> attempts = new ArrayList<>(Fixtures.attempts(client, Set.of(parked.webhookId()), 2, WAIT));
        attempts.sort(Comparator.comparingInt(AttemptRecord::attempt));

        assertThat(attempts).extracting(AttemptRecord::attempt).containsExactly(1, 2);
        assertThat(attempts).extracting(AttemptRecord::outcome).containsExactly(Outcome.RETRYING, Outcome.DELIVERED);
        AttemptRecord first = attempts.get(0);
        assertThat(first.dueAt()).isEqualTo(dueAt);
        assertThat(first.attemptedAt()).isGreaterThanOrEqualTo(dueAt);
        assertThat(attempts.get(1).dueAt()).isEqualTo(first.nextDueAt()).isGreaterThanOrEqualTo(first.attemptedAt() + 1_000);
        Delivery second = client.readUntil(tier("1s"), l -> false, Duration.ofMillis(500)).stream()
                .filter(r -> s.id().equals(r.key())).map(Delivery::read).filter(d -> d.attempt() == 2)
                .findFirst().orElseThrow();
        assertThat(second.firstAttemptAt()).as("attempt 1 was the first attempt made").isEqualTo(first.attemptedAt());
        assertThat(receiver.received("/parked-first")).extracting(r -> r.header("webhook-id"))
                .containsOnly(parked.webhookId());
    }

    @Test
    void pastMaxInFlightADueDeliveryIsParkedAgainOnTheShortestTierWithoutAnAttempt() throws Exception {
        receiver.hold("/saturated");
        Subscription s = subscribe(Fixtures.subscription(receiver.url("/saturated")).withLimits(1, null));
        Set<String> webhookIds = putDue(s, "saturated-", 3, 3, tier("2s"));
        HttpClient http = HttpClient.newHttpClient();

        // One attempt is held by the subscriber; the other two go to the 1 s tier, again and again.
        await().atMost(WAIT).until(() -> receiver.received("/saturated").size() == 1);
        await().atMost(WAIT).until(() -> PrometheusText.parse(metrics(http))
                .sum("hookrelay_retry_parked_total", "reason", "max_in_flight") >= 4);
        assertThat(receiver.received("/saturated")).hasSize(1);
        List<ConsumerRecord<String, byte[]>> parked = client.readUntil(tier("1s"), l -> false, Duration.ofMillis(500))
                .stream().filter(r -> s.id().equals(r.key())).toList();
        assertThat(parked).isNotEmpty().allSatisfy(r -> {
            Delivery d = Delivery.read(r);
            assertThat(d.attempt()).isEqualTo(3);
            assertThat(webhookIds).contains(d.webhookId());
            assertThat(header(r, WireHeaders.PARK_REASON)).isEqualTo("max_in_flight");
            assertThat(header(r, WireHeaders.ATTEMPT)).isEqualTo("3");
            // What the last attempt made said is kept for the operator reading the tier.
            assertThat(header(r, WireHeaders.LAST_STATUS)).isEqualTo("500");
            assertThat(header(r, WireHeaders.LAST_ERROR)).isEqualTo("HTTP 500");
        });
        assertThat(Fixtures.attempts(client, webhookIds, 1, Duration.ofSeconds(1))).isEmpty();

        receiver.release("/saturated");
        assertThat(Fixtures.attempts(client, webhookIds, 3, WAIT)).hasSize(3).allSatisfy(a -> {
            assertThat(a.attempt()).isEqualTo(3);
            assertThat(a.outcome()).isEqualTo(Outcome.DELIVERED);
        });
        assertThat(receiver.mostAtOnce("/saturated")).isEqualTo(1);
    }

    @Test
    void aDueBacklogBeyondMaxInFlightWaitsForSlotsInsteadOfCyclingThroughTheTier() throws Exception {
        // A backlog due at once, as after a restart: 300 deliveries for one subscription with 2 slots.
        // Parked again at once when refused, only 2 got through per read of the tier and the rest
        // went round again: in the fault suite's F3, 67 times for some events, 160 s to drain.
        Subscription s = subscribe(Fixtures.subscription(receiver.url("/backlog")).withLimits(2, null));
        HttpClient http = HttpClient.newHttpClient();
        double parkedBefore = PrometheusText.parse(metrics(http)).sum("hookrelay_retry_parked_total", "reason", "max_in_flight");
        Set<String> webhookIds = putDue(s, "backlog-", 300, 2, tier("1s"));

        await().atMost(WAIT).until(() -> receiver.received("/backlog").stream().map(r -> r.header("webhook-id"))
                .collect(java.util.stream.Collectors.toSet()).containsAll(webhookIds));
        double parkedAgain = PrometheusText.parse(metrics(http)).sum("hookrelay_retry_parked_total", "reason", "max_in_flight")
                - parkedBefore;
        assertThat(parkedAgain).as("deliveries parked again for max_in_flight while their endpoint kept answering")
                .isLessThan(webhookIds.size());
        assertThat(receiver.mostAtOnce("/backlog")).isLessThanOrEqualTo(2);
    }

    @Test
    void servesHealthAndLatenessMetrics() throws Exception {
        Subscription s = subscribe(receiver.url("/ok"));
        Fixtures.putOnTier(client, tier("1s"), Fixtures.waiting(s, "ok-1", 2, System.currentTimeMillis() + 500));
        await().atMost(WAIT).until(() -> receiver.received("/ok").size() == 1);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + service.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"kafka-consumer\":\"UP\"", "\"kafka-producer\":\"UP\"",
                "\"subscription-catalog\":\"UP\"");

        await().atMost(WAIT).until(() -> metrics(http).lines()
                .anyMatch(l -> l.startsWith("hookrelay_retry_attempts_total{event_type=\"conversion.ftd\",outcome=\"delivered\"}")
                        && !l.endsWith(" 0.0")));
        String text = metrics(http);
        assertThat(text).contains("hookrelay_retry_lateness_seconds_bucket{le=",
                "hookrelay_retry_lateness_seconds_count", "hookrelay_retry_in_flight",
                "hookrelay_retry_partitions_waiting", "hookrelay_retry_dead_letters_total{reason=\"exhausted\"}",
                "hookrelay_retry_dead_letters_total{reason=\"invalid\"}", "hookrelay_attempt_latency_seconds_bucket{le=",
                "hookrelay_retry_parked_total{reason=\"max_in_flight\"}",
                "hookrelay_retry_parked_total{reason=\"rate_limit\"}");
        assertThat(text).contains("hookrelay_retry_lateness_seconds_bucket{le=\"0.1\"}",
                "hookrelay_retry_lateness_seconds_bucket{le=\"3600.0\"}");
        assertThat(text).doesNotContainPattern("hookrelay_retry_lateness_seconds_count 0(\\.0)?\n");
    }

    /** Puts {@code count} deliveries to {@code s}, due now, at {@code attempt} on {@code topic}; returns their webhook ids. */
    private static Set<String> putDue(Subscription s, String eventIdPrefix, int count, int attempt, String topic) {
        long now = System.currentTimeMillis();
        Set<String> webhookIds = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            Delivery d = Fixtures.waiting(s, eventIdPrefix + i, attempt, now);
            webhookIds.add(d.webhookId());
            Fixtures.putOnTier(client, topic, d);
        }
        return webhookIds;
    }

    private static String metrics(HttpClient http) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Creates a subscription and waits until the retry-service's catalog holds it. */
    private static Subscription subscribe(String url) {
        return subscribe(Fixtures.subscription(url));
    }

    private static Subscription subscribe(Subscription s) {
        Fixtures.putSubscription(client, s);
        await().atMost(WAIT).until(() -> service.catalog().get(s.id()).isPresent());
        return s;
    }

    private static List<String> linesAbout(String webhookId) {
        // Log lines, as the test logback configuration prints them: "HH:mm:ss.SSS LEVEL ...".
        return stdout.lines().stream().filter(l -> l.contains(webhookId) && LOG_LINE.matcher(l).lookingAt()).toList();
    }

    private static long endOffsetsSum(String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int i = 0; i < partitions; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    private static boolean isDisabled(byte[] value) {
        try {
            return value != null && !Json.tree(value).get("enabled").asBoolean();
        } catch (Exception e) {
            return false;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return KafkaTestClient.header(r, name);
    }

    private static List<String> headerList(ConsumerRecord<String, byte[]> r) {
        List<String> out = new ArrayList<>();
        for (Header h : r.headers()) {
            out.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
