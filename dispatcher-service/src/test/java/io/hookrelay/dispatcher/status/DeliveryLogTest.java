package io.hookrelay.dispatcher.status;

import static io.hookrelay.dispatcher.status.StatusFixtures.KEY_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.KEY_B;
import static io.hookrelay.dispatcher.status.StatusFixtures.OPERATOR_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.WAIT;
import static io.hookrelay.dispatcher.status.StatusFixtures.accept;
import static io.hookrelay.dispatcher.status.StatusFixtures.awaitDispatched;
import static io.hookrelay.dispatcher.status.StatusFixtures.event;
import static io.hookrelay.dispatcher.status.StatusFixtures.get;
import static io.hookrelay.dispatcher.status.StatusFixtures.getOk;
import static io.hookrelay.dispatcher.status.StatusFixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.http.HttpApi;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.KeyPartitions;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver.Reply;
import io.hookrelay.testing.WebhookReceiver;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery log and health API of one dispatcher, against a real broker and a real subscriber,
 * and the body a delivery sends, read back and rendered: the one the subscriber received.
 */
class DeliveryLogTest {

    private static final String SCHEDULE = "1s,1s";
    private static final String RETRY_TOPIC = RetrySchedule.topicFor(Duration.ofSeconds(1));
    private static final String BY_SUBSCRIPTION_REPARTITION = "hookrelay-status-by-subscription-repartition";

    private static EmbeddedKafka kafka;
    private static KafkaTestClient client;
    private static Admin admin;
    private static WebhookReceiver receiver;
    private static PipelineConfig config;
    private static DispatcherService dispatcher;
    // Plays the retry-service: later attempts, made and recorded with the pipeline's own sender and writer.
    private static WebhookSender sender;
    private static KafkaProducer<String, byte[]> producer;
    private static SubscriptionCatalog catalog;
    private static DeliveryOutcomeWriter writer;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startEphemeral();
        config = StatusFixtures.config(kafka.bootstrapServers(), StatusFixtures.tempDir("log"),
                "WEBHOOKS_RETRY_SCHEDULE", SCHEDULE, "WEBHOOKS_FAILING_ALERT_AFTER", "3");
        TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
        client = new KafkaTestClient(kafka.bootstrapServers());
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        admin = Admin.create(p);
        receiver = WebhookReceiver.start();
        dispatcher = DispatcherService.start(config, Clock.systemUTC());
        sender = WebhookSender.fromConfig(config, Clock.systemUTC());
        producer = KafkaClients.durableProducer(kafka.bootstrapServers(), "test-retries", 30_000);
        catalog = new SubscriptionCatalog(kafka.bootstrapServers(), "test-retries-catalog").start();
        writer = new DeliveryOutcomeWriter(producer, catalog, config.get(PipelineConfig.RETRY_SCHEDULE), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        dispatcher.close();
        sender.close();
        producer.close();
        catalog.close();
        receiver.close();
        admin.close();
        client.close();
        kafka.close();
    }

    /** A subscription to the events of brand {@code path} only: each test's events reach its own subscriber only. */
    private static Subscription subscribe(String operator, String path) {
        return StatusFixtures.subscribe(client, dispatcher, operator.equals(OPERATOR_A) ? KEY_A : KEY_B,
                subscription(operator, receiver.url(path), path));
    }

    /** Sends an event of {@code s}'s brand and waits until the dispatcher has made its attempts. */
    private static void dispatch(Subscription s, String eventId) {
        awaitDispatched(admin, accept(client, event(s.operatorId(), eventId).put("brand_id", s.filter().brandIds().get(0))));
    }

    /** The event's deliveries as operator A sees them, once {@code ready} holds for the answer. */
    private static JsonNode eventDeliveries(String eventId, java.util.function.Predicate<JsonNode> ready) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = getOk(dispatcher, "/v1/events/" + eventId + "/deliveries", KEY_A);
            return ready.test(last[0]);
        });
        return last[0];
    }

    /** The next attempt the dispatcher handed to the retry tier for {@code s}. */
    private static Delivery retryOf(Subscription s) {
        List<ConsumerRecord<String, byte[]>> found = client.readUntil(RETRY_TOPIC,
                l -> l.stream().anyMatch(r -> s.id().equals(r.key())), WAIT);
        return Delivery.read(found.stream().filter(r -> s.id().equals(r.key())).findFirst()
                .orElseThrow(() -> new AssertionError("No retry record for " + s.id())));
    }

    private static Map<Integer, AttemptRecord> attemptRecords(String webhookId, int count) {
        return client.readUntil(Topics.ATTEMPTS, l -> l.stream().filter(r -> webhookId.equals(r.key())).count() >= count,
                        WAIT).stream().filter(r -> webhookId.equals(r.key())).map(r -> {
                    try {
                        return AttemptRecord.fromJson(r.value());
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).collect(Collectors.toMap(AttemptRecord::attempt, Function.identity()));
    }

    @Test
    void showsBothAttemptsOfADeliveryThatSucceedsOnItsSecondAttempt() throws Exception {
        receiver.reply("/second", Reply.status(503).withBody("try again later"));
        Subscription s = subscribe(OPERATOR_A, "/second");
        dispatch(s, "e-second");

        // The retry-service's part: wait until due (never early), attempt, record the outcome.
        Delivery next = retryOf(s);
        receiver.reply("/second", Reply.status(200).withBody("{\"ok\":true}"));
        await().atMost(WAIT).until(() -> System.currentTimeMillis() >= next.dueAt());
        AttemptResult result = sender.send(next, s).get();
        writer.write(next, s, result).get();

        JsonNode answer = eventDeliveries("e-second", a -> a.path("data").path(0).path("attempt_count").asInt() == 2);
        assertThat(answer.get("event_id").asText()).isEqualTo("e-second");
        assertThat(answer.get("data")).hasSize(1);
        JsonNode d = answer.get("data").get(0);
        String webhookId = WebhookIds.of(OPERATOR_A, "e-second", s.id());
        assertThat(d.get("webhook_id").asText()).isEqualTo(webhookId);
        assertThat(d.get("subscription_id").asText()).isEqualTo(s.id());
        assertThat(d.get("state").asText()).isEqualTo("delivered");
        assertThat(d.get("next_attempt_at").isNull()).isTrue();
        Map<Integer, AttemptRecord> records = attemptRecords(webhookId, 2);
        JsonNode first = d.get("attempts").get(0);
        JsonNode second = d.get("attempts").get(1);
        assertThat(first.get("attempt").asInt()).isEqualTo(1);
        assertThat(first.get("status").asInt()).isEqualTo(503);
        assertThat(first.get("error").asText()).isEqualTo("HTTP 503");
        assertThat(first.get("response_excerpt").asText()).isEqualTo("try again later");
        assertThat(first.get("lateness_ms").asLong()).isEqualTo(records.get(1).latenessMs());
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        assertThat(second.get("status").asInt()).isEqualTo(200);
        assertThat(second.get("error").isNull()).isTrue();
        assertThat(second.get("response_excerpt").asText()).isEqualTo("{\"ok\":true}");
        assertThat(Instant.parse(second.get("due_at").asText())).isEqualTo(Instant.ofEpochMilli(next.dueAt()));
        // Lateness is what the pipeline measured: attempted minus due, never negative.
        assertThat(second.get("lateness_ms").asLong()).isEqualTo(records.get(2).latenessMs())
                .isEqualTo(Instant.parse(second.get("attempted_at").asText()).toEpochMilli() - next.dueAt())
                .isGreaterThanOrEqualTo(0);
        assertThat(receiver.received("/second")).hasSize(2);
    }

    @Test
    void showsADeadLetteredDeliveryAsDeadWithItsReason() {
        receiver.reply("/gone", Reply.status(410));
        Subscription s = subscribe(OPERATOR_A, "/gone");
        dispatch(s, "e-gone");

        JsonNode d = eventDeliveries("e-gone", a -> a.path("data").size() == 1).get("data").get(0);

        assertThat(d.get("state").asText()).isEqualTo("dead");
        assertThat(d.get("dead_reason").asText()).isEqualTo("gone");
        assertThat(d.get("attempts")).hasSize(1);
        assertThat(d.get("attempts").get(0).get("status").asInt()).isEqualTo(410);
    }

    @Test
    void showsADeliveryDeadLetteredWithoutAnAttemptAsDead() throws Exception {
        receiver.reply("/paused", Reply.status(500));
        Subscription s = subscribe(OPERATOR_A, "/paused");
        dispatch(s, "e-paused");
        Delivery next = retryOf(s);

        // The retry-service finds the subscription disabled: a dead letter, and no attempt record.
        writer.deadLetter(next, 500, "HTTP 500", DeadReason.ENDPOINT_DISABLED).get();

        JsonNode d = eventDeliveries("e-paused", a -> a.path("data").path(0).path("state").asText().equals("dead"))
                .get("data").get(0);
        assertThat(d.get("dead_reason").asText()).isEqualTo("endpoint-disabled");
        assertThat(d.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(d.get("attempts").get(0).get("status").asInt()).isEqualTo(500);
        assertThat(receiver.received("/paused")).hasSize(1);
    }

    @Test
    void healthCountsMatchWhatTheSubscriberSaw() throws Exception {
        receiver.reply("/mixed", Reply.status(204));
        Subscription s = subscribe(OPERATOR_A, "/mixed");
        for (int i = 0; i < 5; i++) {
            dispatch(s, "mixed-ok-" + i);
        }
        receiver.reply("/mixed", Reply.status(500).withBody("database is down"));
        for (int i = 0; i < 4; i++) {
            dispatch(s, "mixed-fail-" + i);
        }

        List<WebhookReceiver.Received> seen = receiver.received("/mixed");
        String path = "/v1/subscriptions/" + s.id() + "/health";
        JsonNode[] health = new JsonNode[1];
        await().atMost(WAIT).until(() -> {
            health[0] = getOk(dispatcher, path, KEY_A);
            return health[0].get("last_hour").get("attempts").asInt() == seen.size();
        });
        JsonNode h = health[0];
        assertThat(seen).hasSize(9);
        assertThat(h.get("last_hour").get("delivered").asInt()).isEqualTo(5);
        assertThat(h.get("last_hour").get("failed").asInt()).isEqualTo(4);
        assertThat(h.get("last_day").get("attempts").asInt()).isEqualTo(9);
        assertThat(h.get("last_day").get("delivered").asInt()).isEqualTo(5);
        assertThat(h.get("last_day").get("failed").asInt()).isEqualTo(4);
        assertThat(h.get("last_day").get("latency_p50_ms").asLong()).isPositive();
        assertThat(h.get("last_day").get("latency_p99_ms").asLong())
                .isGreaterThanOrEqualTo(h.get("last_day").get("latency_p50_ms").asLong());
        // All nine were within the last hour too, so its percentiles are the day's.
        assertThat(h.get("last_hour").get("latency_p50_ms")).isEqualTo(h.get("last_day").get("latency_p50_ms"));
        assertThat(h.get("last_hour").get("latency_p99_ms")).isEqualTo(h.get("last_day").get("latency_p99_ms"));
        assertThat(h.get("consecutive_failures").asInt()).isEqualTo(4);
        // The chart's buckets: 60 minutes and 24 hours, oldest first, adding up to the windows.
        assertThat(h.get("minutes")).hasSize(60);
        assertThat(h.get("hours")).hasSize(24);
        int minuteAttempts = 0;
        int minuteFailures = 0;
        for (JsonNode b : h.get("minutes")) {
            minuteAttempts += b.get("attempts").asInt();
            minuteFailures += b.get("failed").asInt();
        }
        assertThat(minuteAttempts).isEqualTo(9);
        assertThat(minuteFailures).isEqualTo(4);
        int hourAttempts = 0;
        for (JsonNode b : h.get("hours")) {
            hourAttempts += b.get("attempts").asInt();
        }
        assertThat(hourAttempts).isEqualTo(9);
        assertThat(h.get("hours").get(23).get("attempts").asInt()).as("the current hour is last").isPositive();
        assertThat(Instant.parse(h.get("minutes").get(59).get("at").asText()))
                .isBefore(Instant.parse(h.get("as_of").asText()).plusMillis(1))
                .isAfter(Instant.parse(h.get("as_of").asText()).minusSeconds(61));
        assertThat(h.get("enabled").asBoolean()).isTrue();
        assertThat(h.get("last_failure").get("status").asInt()).isEqualTo(500);
        assertThat(h.get("last_failure").get("error").asText()).isEqualTo("HTTP 500");
        // Failing since the first failed attempt after the last success.
        Instant lastSuccess = Instant.parse(h.get("last_success_at").asText());
        Instant failingSince = Instant.parse(h.get("failing_since").asText());
        String firstFailure = WebhookIds.of(OPERATOR_A, "mixed-fail-0", s.id());
        assertThat(failingSince).isEqualTo(Instant.ofEpochMilli(attemptRecords(firstFailure, 1).get(1).attemptedAt()));
        assertThat(lastSuccess).isBefore(failingSince);
        assertThat(Instant.parse(h.get("disables_at").asText())).isEqualTo(failingSince.plus(Duration.ofDays(5)));

        // The third failure in a row raised endpoint.failing.
        List<ConsumerRecord<String, byte[]>> alerts = client.readUntil(Topics.ALERTS,
                l -> l.stream().anyMatch(r -> s.id().equals(r.key())), WAIT);
        JsonNode alert = Json.tree(alerts.stream().filter(r -> s.id().equals(r.key())).findFirst().orElseThrow().value());
        assertThat(alert.get("type").asText()).isEqualTo("endpoint.failing");
        assertThat(alert.get("operator_id").asText()).isEqualTo(OPERATOR_A);
        assertThat(alert.get("consecutive_failures").asInt()).isEqualTo(3);
        assertThat(alert.get("last_error").asText()).isEqualTo("HTTP 500");
        assertThat(Instant.parse(alert.get("failing_since").asText())).isEqualTo(failingSince);
    }

    @Test
    void listsASubscriptionsDeliveriesNewestFirstWithFilters() {
        receiver.reply("/list", Reply.status(204));
        Subscription s = subscribe(OPERATOR_A, "/list");
        for (int i = 0; i < 4; i++) {
            dispatch(s, "list-" + i);
        }
        receiver.reply("/list", Reply.status(500));
        for (int i = 4; i < 6; i++) {
            dispatch(s, "list-" + i);
        }
        String path = "/v1/subscriptions/" + s.id() + "/deliveries";

        JsonNode[] all = new JsonNode[1];
        await().atMost(WAIT).until(() -> (all[0] = getOk(dispatcher, path, KEY_A)).get("data").size() == 6);

        assertThat(eventIds(all[0])).containsExactly("list-5", "list-4", "list-3", "list-2", "list-1", "list-0");
        assertThat(all[0].get("has_more").asBoolean()).isFalse();
        assertThat(all[0].get("data").get(0).get("state").asText()).isEqualTo("retrying");
        assertThat(all[0].get("data").get(0).get("last_attempt").get("status").asInt()).isEqualTo(500);
        assertThat(eventIds(getOk(dispatcher, path + "?state=retrying", KEY_A))).containsExactly("list-5", "list-4");
        JsonNode page = getOk(dispatcher, path + "?state=delivered&limit=2", KEY_A);
        assertThat(eventIds(page)).containsExactly("list-3", "list-2");
        assertThat(page.get("has_more").asBoolean()).isTrue();
        String createdOf2 = all[0].get("data").get(3).get("created_at").asText();
        assertThat(eventIds(getOk(dispatcher, path + "?since=" + createdOf2, KEY_A)))
                .containsExactly("list-5", "list-4", "list-3", "list-2");
        assertThat(eventIds(getOk(dispatcher, path + "?until=" + createdOf2, KEY_A)))
                .containsExactly("list-1", "list-0");

        StatusFixtures.Answer bad = get(dispatcher, path + "?state=lost&limit=0&sort=asc", KEY_A);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("error").asText()).isEqualTo("invalid_request");
        List<String> fields = new ArrayList<>();
        bad.body().get("details").forEach(x -> fields.add(x.get("field").asText()));
        assertThat(fields).containsExactlyInAnyOrder("state", "limit", "sort");
    }

    @Test
    void attemptsArePlacedInTheirSubscriptionsPartitionAndKeptWithoutARepartition() {
        receiver.reply("/placed", Reply.status(204));
        Subscription s = subscribe(OPERATOR_A, "/placed");
        dispatch(s, "e-placed");
        String webhookId = WebhookIds.of(OPERATOR_A, "e-placed", s.id());

        eventDeliveries("e-placed", d -> d.get("data").size() == 1 && d.get("data").get(0).get("state").asText().equals("delivered"));

        // Keyed by webhook id as the contract says, in the subscription id's partition.
        List<ConsumerRecord<String, byte[]>> attempts = client.readUntil(Topics.ATTEMPTS,
                l -> l.stream().anyMatch(r -> webhookId.equals(r.key())), WAIT).stream()
                .filter(r -> webhookId.equals(r.key())).toList();
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).partition()).isEqualTo(KeyPartitions.of(s.id(), 3));
        // The status app kept it where it was read: no second copy on its repartition topic.
        assertThat(client.readUntil(BY_SUBSCRIPTION_REPARTITION, l -> false, Duration.ofMillis(500)))
                .noneMatch(r -> s.id().equals(r.key()));
    }

    @Test
    void anAttemptFoundInAnotherPartitionIsMovedToItsSubscriptionsAndShown() throws Exception {
        Subscription s = subscribe(OPERATOR_A, "/moved");
        String webhookId = WebhookIds.of(OPERATOR_A, "e-moved", s.id());
        long now = System.currentTimeMillis();
        AttemptRecord a = new AttemptRecord(webhookId, s.id(), OPERATOR_A, "e-moved", "conversion.ftd", 1, now, now, 0,
                204, 5, null, null, AttemptRecord.Outcome.DELIVERED, null, null, receiver.url("/moved"));
        // As a version before issue 12 wrote it: partitioned by its key, the webhook id, here not the subscription's.
        int elsewhere = (KeyPartitions.of(s.id(), 3) + 1) % 3;
        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.ATTEMPTS, elsewhere, webhookId,
                a.toJson())).get();

        JsonNode shown = eventDeliveries("e-moved", d -> d.get("data").size() == 1);

        assertThat(shown.get("data").get(0).get("state").asText()).isEqualTo("delivered");
        assertThat(getOk(dispatcher, "/v1/subscriptions/" + s.id() + "/deliveries", KEY_A).get("data")).hasSize(1);
        assertThat(client.readUntil(BY_SUBSCRIPTION_REPARTITION, l -> l.stream().anyMatch(r -> s.id().equals(r.key())), WAIT))
                .filteredOn(r -> s.id().equals(r.key())).hasSize(1)
                .allSatisfy(r -> assertThat(r.partition()).isEqualTo(KeyPartitions.of(s.id(), 3)));
    }

    @Test
    void anotherOperatorsKeySeesNothingOfThisOperator() {
        Subscription s = subscribe(OPERATOR_A, "/scoped");
        dispatch(s, "e-scoped");
        eventDeliveries("e-scoped", a -> a.path("data").size() == 1);

        for (String p : List.of("/health", "/deliveries")) {
            StatusFixtures.Answer b = get(dispatcher, "/v1/subscriptions/" + s.id() + p, KEY_B);
            assertThat(b.status()).as(p).isEqualTo(404);
            assertThat(b.body().get("error").asText()).isEqualTo("not_found");
        }
        StatusFixtures.Answer events = get(dispatcher, "/v1/events/e-scoped/deliveries", KEY_B);
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.body().get("data")).isEmpty();
        assertThat(get(dispatcher, "/v1/subscriptions/" + s.id() + "/health", null).status()).isEqualTo(401);
        assertThat(get(dispatcher, "/v1/events/e-scoped/deliveries", "not-a-key-0123456789").status()).isEqualTo(401);
        assertThat(get(dispatcher, "/internal/status/subscriptions/" + s.id() + "/health", KEY_B).status()).isEqualTo(404);
        assertThat(get(dispatcher, "/v1/subscriptions/sub_doesnotexist/health", KEY_A).status()).isEqualTo(404);
    }

    @Test
    void answersRetriable503UntilTheStoresAreQueryable() throws Exception {
        Subscription s = subscribe(OPERATOR_A, "/not-started");
        try (SubscriptionCatalog loaded = new SubscriptionCatalog(kafka.bootstrapServers(), "test-503").start()) {
            assertThat(loaded.awaitCaughtUp(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> loaded.get(s.id()).isPresent());
            StatusService notStarted = StatusService.create(config, Clock.systemUTC(), loaded, null, null, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            Javalin http = HttpApi.start("status-test", 0, Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    notStarted::mount);
            try {
                StatusFixtures.Answer a = get(http.port(), "/v1/subscriptions/" + s.id() + "/health", KEY_A);

                assertThat(a.status()).isEqualTo(503);
                assertThat(a.retryAfter()).isEqualTo("1");
                assertThat(a.body().get("error").asText()).isEqualTo("status_unavailable");
            } finally {
                http.stop();
                notStarted.close();
            }
        }
    }

    // ---- the body a delivery sends

    private static String bodyPath(String eventId, Subscription s) {
        return "/v1/events/" + eventId + "/deliveries/" + WebhookIds.of(OPERATOR_A, eventId, s.id()) + "/body";
    }

    @Test
    void aJsonDeliverysBodyIsWhatTheSubscriberReceivedWithOnlyItsFieldsAndAHashedPlayerRef() throws Exception {
        Subscription s = StatusFixtures.subscribe(client, dispatcher, KEY_A,
                StatusFixtures.builder(OPERATOR_A, receiver.url("/body-json"), "body-json")
                        .fields(List.of("amount", "player_ref"))
                        .playerRef(Subscription.PLAYER_REF_HASHED, Secrets.newPlayerRefKey()).build());
        dispatch(s, "e-json");

        JsonNode a = getOk(dispatcher, bodyPath("e-json", s), KEY_A);

        assertThat(receiver.received("/body-json")).hasSize(1);
        String sent = receiver.received("/body-json").get(0).bodyText();
        assertThat(a.get("body").asText()).isEqualTo(sent);
        JsonNode data = Json.tree(a.get("body").asText().getBytes(StandardCharsets.UTF_8)).get("data");
        List<String> names = new ArrayList<>();
        data.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("event_id", "event_type", "occurred_at", "operator_id", "amount",
                "player_ref");
        assertThat(data.get("player_ref").asText()).startsWith("ph_").isNotEqualTo("p-e-json");
        assertThat(a.get("webhook_id").asText()).isEqualTo(WebhookIds.of(OPERATOR_A, "e-json", s.id()));
        assertThat(a.get("subscription_id").asText()).isEqualTo(s.id());
        assertThat(a.get("event_id").asText()).isEqualTo("e-json");
        assertThat(a.get("mode").asText()).isEqualTo("json");
        assertThat(a.get("method").asText()).isEqualTo("POST");
        assertThat(a.get("url").asText()).isEqualTo(receiver.url("/body-json"));
        assertThat(a.get("content_type").asText()).isEqualTo("application/json");
        assertThat(a.has("empty_macros")).isFalse();
        assertThat(a.get("shaped_with").asText()).isEqualTo("current_subscription");
        assertThat(Instant.parse(a.get("subscription_updated_at").asText())).isEqualTo(s.updatedAt());
        assertThat(a.get("event_position").get("topic").asText()).isEqualTo("webhooks.accepted");
    }

    @Test
    void aPostbackDeliverysBodyIsTheRenderedUrlTheSubscriberWasCalledOnWithItsEmptyMacros() {
        Subscription s = StatusFixtures.subscribe(client, dispatcher, KEY_A,
                StatusFixtures.builder(OPERATOR_A, null, "body-pb").mode(Subscription.MODE_POSTBACK)
                        .urlTemplate(receiver.url("/body-pb") + "?payout={amount}&cid={tracking.click_id}&id={webhook_id}")
                        .build());
        dispatch(s, "e-pb");

        JsonNode a = getOk(dispatcher, bodyPath("e-pb", s), KEY_A);

        List<WebhookReceiver.Received> got = receiver.select(r -> r.path().startsWith("/body-pb?"));
        assertThat(got).hasSize(1);
        assertThat(a.get("url").asText()).isEqualTo("http://127.0.0.1:" + receiver.port() + got.get(0).path())
                .isEqualTo(receiver.url("/body-pb") + "?payout=10.00&cid=&id=" + WebhookIds.of(OPERATOR_A, "e-pb", s.id()));
        assertThat(a.get("mode").asText()).isEqualTo("postback");
        assertThat(a.get("method").asText()).isEqualTo("GET");
        assertThat(a.get("body").isNull()).isTrue();
        assertThat(a.get("content_type").isNull()).isTrue();
        assertThat(a.get("empty_macros")).extracting(JsonNode::asText).containsExactly("{tracking.click_id}");
    }

    @Test
    void anotherOperatorsKeyOrNoKeyOrAnUnknownDeliveryGetsNoBody() {
        Subscription s = StatusFixtures.subscribe(client, dispatcher, KEY_A, StatusFixtures.builder(OPERATOR_A,
                receiver.url("/body-scoped"), "body-scoped").build());
        dispatch(s, "e-body-scoped");
        getOk(dispatcher, bodyPath("e-body-scoped", s), KEY_A);

        StatusFixtures.Answer other = get(dispatcher, bodyPath("e-body-scoped", s), KEY_B);
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.body().get("error").asText()).isEqualTo("not_found");
        assertThat(other.body().toString()).doesNotContain("amount");
        assertThat(get(dispatcher, bodyPath("e-body-scoped", s), null).status()).isEqualTo(401);
        assertThat(get(dispatcher, "/internal/status" + bodyPath("e-body-scoped", s).substring("/v1".length()), KEY_B)
                .status()).isEqualTo(404);
        StatusFixtures.Answer unknown = get(dispatcher, "/v1/events/e-body-scoped/deliveries/msg_nothere/body", KEY_A);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("error").asText()).isEqualTo("not_found");
        StatusFixtures.Answer notDelivered = get(dispatcher, bodyPath("e-never", s), KEY_A);
        assertThat(notDelivered.status()).isEqualTo(404);
        assertThat(notDelivered.body().get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void anEventDeletedByRetentionIsA410EventExpiredNotAnError() throws Exception {
        Subscription s = StatusFixtures.subscribe(client, dispatcher, KEY_A, StatusFixtures.builder(OPERATOR_A,
                receiver.url("/body-old"), "body-old").build());
        RecordMetadata at = accept(client, event(OPERATOR_A, "e-old").put("brand_id", "body-old"));
        awaitDispatched(admin, at);
        assertThat(getOk(dispatcher, bodyPath("e-old", s), KEY_A).get("body").isTextual()).isTrue();
        // Retention, played by hand: the partition now starts after the event.
        admin.deleteRecords(Map.of(new TopicPartition(at.topic(), at.partition()),
                RecordsToDelete.beforeOffset(at.offset() + 1))).all().get(30, TimeUnit.SECONDS);

        StatusFixtures.Answer[] a = new StatusFixtures.Answer[1];
        await().atMost(WAIT).until(() -> (a[0] = get(dispatcher, bodyPath("e-old", s), KEY_A)).status() != 503);

        assertThat(a[0].status()).isEqualTo(410);
        assertThat(a[0].body().get("error").asText()).isEqualTo("event_expired");
        assertThat(a[0].body().get("message").asText()).contains("retention").contains("e-old");
    }

    private static List<String> eventIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("data").forEach(d -> ids.add(d.get("event_id").asText()));
        return ids;
    }
}
