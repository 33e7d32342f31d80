package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.schemas.ConversionEvent;
import io.hookrelay.schemas.EventAvroSerializer;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline as {@code ./run.sh} starts it (embedded broker, three services in one
 * process), driven from outside: the ingest API, plain Kafka producers, and a real HTTP receiver.
 */
class EndToEndTest {

    static final String ACME_KEY = "acme-key-0123456789";
    static final String GLOBEX_KEY = "globex-key-0123456789";
    /**
     * Shortened from 24 h so that the test can see it end; long enough that a delivery sent right after
     * a rotation is attempted within it even on a slow machine.
     */
    static final int ROTATION_GRACE_SECONDS = 10;

    static AllInOne pipeline;
    static WebhookReceiver receiver;
    static KafkaTestClient kafka;
    static PipelineClient api;

    @BeforeAll
    static void start() throws Exception {
        Path data = Files.createTempDirectory("hookrelay-e2e-");
        Map<String, String> env = Map.of(
                "WEBHOOKS_DATA_DIR", data.toString(),
                "WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()),
                "WEBHOOKS_API_KEYS", "acme=" + ACME_KEY + ",globex=" + GLOBEX_KEY,
                "WEBHOOKS_PARTITIONS", "2",
                "WEBHOOKS_SECRET_ROTATION_GRACE", ROTATION_GRACE_SECONDS + "s",
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        kafka = new KafkaTestClient(pipeline.config().bootstrapServers());
        api = new PipelineClient(pipeline.ingestUrl());
    }

    @AfterAll
    static void stop() {
        kafka.close();
        receiver.close();
        pipeline.close();
    }

    @Test
    void httpEventReachesTheSubscriberSignedWithItsSecret() throws Exception {
        JsonNode sub = api.subscribe(ACME_KEY, receiver.url("/signed"), "conversion.*");
        api.send(ACME_KEY, PipelineClient.ftd("acme", "signed-1"));

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/signed").size() == 1);
        Received r = receiver.received("/signed").get(0);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.header("webhook-id")).startsWith("msg_");
        assertThat(Long.parseLong(r.header("webhook-timestamp")))
                .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 5);
        assertThat(Signatures.valid(sub.get("secret").asText(), r.header("webhook-id"), r.header("webhook-timestamp"),
                r.body(), r.header("webhook-signature"))).isTrue();
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("type").asText()).isEqualTo("conversion.ftd");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-27T10:15:30Z");
        assertThat(body.get("data").get("event_id").asText()).isEqualTo("signed-1");
        assertThat(body.get("data").get("amount").asText()).isEqualTo("125.50");
    }

    @Test
    void avroAndJsonProducedStraightToKafkaAreDelivered() throws Exception {
        api.subscribe(ACME_KEY, receiver.url("/direct"), "conversion.ftd", "kyc.*");
        ConversionEvent avro = ConversionEvent.newBuilder().setEventId("avro-1").setEventType("conversion.ftd")
                .setOccurredAt(Instant.parse("2026-11-27T09:00:00Z")).setOperatorId("acme").setAffiliateId("aff-1")
                .setPlayerRef("p-avro").setTransactionId("tx-avro").setAmount("10.00").setCurrency("USD").build();
        try (EventAvroSerializer ser = new EventAvroSerializer()) {
            kafka.send(Topics.EVENTS_CONVERSION, "p-avro", ser.serialize(Topics.EVENTS_CONVERSION, avro));
        }
        String kyc = "{\"event_id\":\"json-1\",\"event_type\":\"kyc.status_changed\",\"occurred_at\":\"2026-11-27T09:00:00Z\","
                + "\"operator_id\":\"acme\",\"player_ref\":\"p-json\",\"status\":\"approved\",\"previous_status\":\"pending\"}";
        kafka.send(Topics.EVENTS_KYC, "p-json", kyc.getBytes(StandardCharsets.UTF_8), "content-type", "application/json");

        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/direct").equals(Set.of("avro-1", "json-1")));
        JsonNode avroBody = receiver.received("/direct").stream().map(EndToEndTest::body)
                .filter(b -> b.get("data").get("event_id").asText().equals("avro-1")).findFirst().orElseThrow();
        assertThat(avroBody.get("data").get("occurred_at").asText()).isEqualTo("2026-11-27T09:00:00Z");
        assertThat(avroBody.get("data").get("currency").asText()).isEqualTo("USD");
    }

    @Test
    void poisonRecordsAreRejectedWhileGoodOnesAroundThemAreDeliveredAndDuplicatesOnce() throws Exception {
        api.subscribe(ACME_KEY, receiver.url("/poison"), "conversion.deposit");
        kafka.send(Topics.EVENTS_CONVERSION, "p1", deposit("good-1"), "content-type", "application/json");
        kafka.send(Topics.EVENTS_CONVERSION, "p1", new byte[] {1, 2, 3, 4});
        kafka.send(Topics.EVENTS_CONVERSION, "p1", "{\"event_id\": \"bad-1\"}".getBytes(StandardCharsets.UTF_8),
                "content-type", "application/json");
        kafka.send(Topics.EVENTS_CONVERSION, "p1", deposit("good-2"), "content-type", "application/json");
        kafka.send(Topics.EVENTS_CONVERSION, "p9", deposit("good-1"), "content-type", "application/json");
        kafka.send(Topics.EVENTS_CONVERSION, "p1", deposit("good-3"), "content-type", "application/json");

        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/poison").equals(Set.of("good-1", "good-2", "good-3")));
        var rejected = kafka.readUntil(Topics.EVENTS_REJECTED, l -> l.size() >= 2, Duration.ofSeconds(30));
        assertThat(rejected).extracting(r -> KafkaTestClient.header(r, "webhooks.error"))
                .anySatisfy(e -> assertThat(e).contains("not Avro single-object encoding"))
                .anySatisfy(e -> assertThat(e).contains("event_type: is required"));
        assertThat(rejected).allSatisfy(r -> assertThat(KafkaTestClient.header(r, "webhooks.original-topic"))
                .isEqualTo(Topics.EVENTS_CONVERSION));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received("/poison").size() == 3);
    }

    @Test
    void operatorBsSubscriptionNeverReceivesOperatorAsEvent() throws Exception {
        api.subscribe(GLOBEX_KEY, receiver.url("/globex"), "*");
        api.subscribe(ACME_KEY, receiver.url("/acme"), "*");
        api.send(ACME_KEY, PipelineClient.ftd("acme", "iso-1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received("/acme").size() == 1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> receiver.received("/globex").isEmpty());
    }

    @Test
    void deliveriesStartAndStopAsTheSubscriptionIsCreatedDisabledAndDeleted() throws Exception {
        String id = api.subscribe(ACME_KEY, receiver.url("/lifecycle"), "conversion.ftd").get("id").asText();
        api.send(ACME_KEY, PipelineClient.ftd("acme", "life-1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/lifecycle").equals(Set.of("life-1")));

        assertThat(api.call("PATCH", "/v1/subscriptions/" + id, ACME_KEY, Map.of("enabled", false)).status()).isEqualTo(200);
        Thread.sleep(3000); // the dispatcher's view follows the topic within a poll interval (100 ms); leave room for a slow machine
        api.send(ACME_KEY, PipelineClient.ftd("acme", "life-2"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> eventIds("/lifecycle").equals(Set.of("life-1")));

        assertThat(api.call("PATCH", "/v1/subscriptions/" + id, ACME_KEY, Map.of("enabled", true)).status()).isEqualTo(200);
        Thread.sleep(3000);
        api.send(ACME_KEY, PipelineClient.ftd("acme", "life-3"));
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/lifecycle").equals(Set.of("life-1", "life-3")));

        assertThat(api.call("DELETE", "/v1/subscriptions/" + id, ACME_KEY, null).status()).isEqualTo(204);
        Thread.sleep(3000);
        api.send(ACME_KEY, PipelineClient.ftd("acme", "life-4"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .until(() -> eventIds("/lifecycle").equals(Set.of("life-1", "life-3")));
    }

    @Test
    void afterASecretRotationDeliveriesCarryBothSignaturesUntilTheGraceEndsThenOnlyTheNewOne() throws Exception {
        JsonNode sub = api.subscribe(ACME_KEY, receiver.url("/rotation"), "conversion.ftd");
        String id = sub.get("id").asText();
        String oldSecret = sub.get("secret").asText();

        PipelineClient.Answer rotated = api.call("POST", "/v1/subscriptions/" + id + "/secret/rotate", ACME_KEY, null);
        assertThat(rotated.status()).isEqualTo(200);
        String newSecret = rotated.body().get("secret").asText();
        Instant graceEnd = Instant.parse(rotated.body().get("previous_secret_expires_at").asText());
        Thread.sleep(1000); // the dispatcher's view follows the topic within a poll interval (100 ms)
        api.send(ACME_KEY, PipelineClient.ftd("acme", "rotation-1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/rotation").equals(Set.of("rotation-1")));

        Received during = receiver.received("/rotation").get(0);
        assertThat(Instant.ofEpochSecond(Long.parseLong(during.header("webhook-timestamp")) + 1))
                .as("attempted within the %ss grace", ROTATION_GRACE_SECONDS).isBeforeOrEqualTo(graceEnd);
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(signedWith(newSecret, during)).isTrue();
        assertThat(signedWith(oldSecret, during)).isTrue();

        await().atMost(Duration.ofSeconds(ROTATION_GRACE_SECONDS + 5)).until(() -> Instant.now().isAfter(graceEnd));
        api.send(ACME_KEY, PipelineClient.ftd("acme", "rotation-2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds("/rotation").contains("rotation-2"));

        Received after = receiver.received("/rotation").get(1);
        assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(signedWith(newSecret, after)).isTrue();
        assertThat(signedWith(oldSecret, after)).isFalse();
    }

    private static boolean signedWith(String secret, Received r) throws Exception {
        return Signatures.valid(secret, r.header("webhook-id"), r.header("webhook-timestamp"), r.body(),
                r.header("webhook-signature"));
    }

    private static byte[] deposit(String eventId) {
        return ("{\"event_id\":\"" + eventId + "\",\"event_type\":\"conversion.deposit\",\"occurred_at\":\"2026-11-27T09:00:00Z\","
                + "\"operator_id\":\"acme\",\"affiliate_id\":\"a1\",\"player_ref\":\"p1\",\"transaction_id\":\"t-" + eventId
                + "\",\"amount\":\"20.00\",\"currency\":\"EUR\",\"deposit_count\":3}").getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> eventIds(String path) {
        return receiver.received(path).stream().map(r -> body(r).get("data").get("event_id").asText())
                .collect(Collectors.toSet());
    }

    private static JsonNode body(Received r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.bodyText(), e);
        }
    }

    @SuppressWarnings("unused")
    private static List<Received> all() {
        return receiver.received();
    }
}
