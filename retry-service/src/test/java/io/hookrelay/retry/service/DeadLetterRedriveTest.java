package io.hookrelay.retry.service;

import static io.hookrelay.retry.service.DeadLetterFixtures.FIRST_TIER;
import static io.hookrelay.retry.service.DeadLetterFixtures.deadLetter;
import static io.hookrelay.retry.service.DeadLetterFixtures.exhaustedDelivery;
import static io.hookrelay.retry.service.DeadLetterFixtures.newSubscriptionId;
import static io.hookrelay.retry.service.DeadLetterFixtures.readAll;
import static io.hookrelay.retry.service.DeadLetterFixtures.unreadableLetter;
import static io.hookrelay.retry.service.DeadLetterServer.KEY_A;
import static io.hookrelay.retry.service.DeadLetterServer.KEY_B;
import static io.hookrelay.retry.service.DeadLetterServer.NOW;
import static io.hookrelay.retry.service.DeadLetterServer.OPERATOR_A;
import static io.hookrelay.testing.KafkaTestClient.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/dead-letters/redrive}, and the same redrive as ops run it, against a real broker. */
class DeadLetterRedriveTest {

    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofMinutes(30));
    private static DeadLetterServer server;

    @BeforeAll
    static void start() {
        server = DeadLetterServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static DeadLetterServer.Response redrive(String key, String query) {
        return server.post("/v1/dead-letters/redrive?" + query, key, null);
    }

    private static List<Delivery> onFirstTier(String subscriptionId) {
        return readAll(FIRST_TIER, subscriptionId).stream().map(Delivery::read).toList();
    }

    @Test
    void putsExactlyTheMatchingLettersOnTheFirstTierAsAttemptTwoDueNow() {
        String sub = newSubscriptionId();
        Delivery d1 = exhaustedDelivery(OPERATOR_A, sub, "ftd-1", BASE.minusSeconds(3600));
        Delivery d2 = exhaustedDelivery(OPERATOR_A, sub, "ftd-2", BASE.minusSeconds(1800));
        Delivery gone = exhaustedDelivery(OPERATOR_A, sub, "ftd-3", BASE.minusSeconds(1800));
        deadLetter(d1, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        deadLetter(d2, DeadReason.EXHAUSTED, 0, "connect timed out", BASE.plusSeconds(1));
        deadLetter(gone, DeadReason.GONE, 410, "HTTP 410", BASE.plusSeconds(2));

        DeadLetterServer.Response r = redrive(KEY_A, "subscription_id=" + sub + "&reason=exhausted");

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("redriven").asInt()).isEqualTo(2);
        assertThat(r.json().get("topic").asText()).isEqualTo(FIRST_TIER);
        assertThat(r.json().at("/skipped/invalid").asInt()).isZero();
        assertThat(r.json().at("/skipped/older_duplicate").asInt()).isZero();
        assertThat(r.json().get("has_more").asBoolean()).isFalse();
        List<ConsumerRecord<String, byte[]>> records = readAll(FIRST_TIER, sub);
        assertThat(records).extracting(rec -> Delivery.read(rec).webhookId())
                .containsExactlyInAnyOrder(d1.webhookId(), d2.webhookId());
        for (ConsumerRecord<String, byte[]> rec : records) {
            Delivery again = Delivery.read(rec);
            Delivery before = again.webhookId().equals(d1.webhookId()) ? d1 : d2;
            assertThat(rec.key()).isEqualTo(sub);
            assertThat(again.attempt()).isEqualTo(2);
            assertThat(again.dueAt()).isEqualTo(NOW.toEpochMilli());
            assertThat(again.firstAttemptAt()).isEqualTo(before.firstAttemptAt());
            assertThat(again.operatorId()).isEqualTo(OPERATOR_A);
            assertThat(again.event()).isEqualTo(before.event());
            assertThat(header(rec, WireHeaders.WEBHOOK_ID)).isEqualTo(before.webhookId());
            assertThat(header(rec, WireHeaders.SUBSCRIPTION_ID)).isEqualTo(sub);
            assertThat(header(rec, WireHeaders.EVENT_ID)).isEqualTo(before.eventId());
            assertThat(header(rec, WireHeaders.EVENT_TYPE)).isEqualTo("conversion.ftd");
            assertThat(header(rec, WireHeaders.ATTEMPT)).isEqualTo("2");
            assertThat(header(rec, WireHeaders.DUE_AT)).isEqualTo(Long.toString(NOW.toEpochMilli()));
            assertThat(header(rec, WireHeaders.FIRST_ATTEMPT_AT)).isEqualTo(Long.toString(before.firstAttemptAt()));
            assertThat(header(rec, WireHeaders.DEAD_REASON)).isNull();
        }
        ConsumerRecord<String, byte[]> second = records.stream()
                .filter(rec -> Delivery.read(rec).webhookId().equals(d2.webhookId())).findFirst().orElseThrow();
        assertThat(header(second, WireHeaders.LAST_STATUS)).isEqualTo("0");
        assertThat(header(second, WireHeaders.LAST_ERROR)).isEqualTo("connect timed out");
    }

    @Test
    void aSelectionOfWebhookIdsRedrivesThoseLettersOnlyWithinTheOtherFilters() {
        String sub = newSubscriptionId();
        Delivery d1 = exhaustedDelivery(OPERATOR_A, sub, "sel-1", BASE.minusSeconds(600));
        Delivery d2 = exhaustedDelivery(OPERATOR_A, sub, "sel-2", BASE.minusSeconds(600));
        Delivery d3 = exhaustedDelivery(OPERATOR_A, sub, "sel-3", BASE.minusSeconds(600));
        for (Delivery d : List.of(d1, d2, d3)) {
            deadLetter(d, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        }

        DeadLetterServer.Response r = server.post("/v1/dead-letters/redrive", KEY_A,
                "{\"subscription_id\": \"" + sub + "\", \"webhook_id\": \"" + d1.webhookId() + "," + d3.webhookId() + "\"}");

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("redriven").asInt()).isEqualTo(2);
        assertThat(onFirstTier(sub)).extracting(Delivery::webhookId)
                .containsExactlyInAnyOrder(d1.webhookId(), d3.webhookId());
        // Another operator naming the same ids redrives nothing: the selection narrows the key's scope, never widens it.
        DeadLetterServer.Response other = redrive(KEY_B, "webhook_id=" + d2.webhookId());
        assertThat(other.json().get("redriven").asInt()).as(other.text()).isZero();
        DeadLetterServer.Response list = server.get("/v1/dead-letters?webhook_id=" + d2.webhookId(), KEY_A);
        assertThat(list.json().get("data")).hasSize(1);
        assertThat(list.json().get("data").get(0).get("webhook_id").asText()).isEqualTo(d2.webhookId());
    }

    @Test
    void aWebhookDeadLetteredTwiceIsRedrivenOnceFromItsNewestLetter() {
        String sub = newSubscriptionId();
        Delivery d = exhaustedDelivery(OPERATOR_A, sub, "twice", BASE.minusSeconds(7200));
        deadLetter(d, DeadReason.EXHAUSTED, 500, "first chain: HTTP 500", BASE);
        deadLetter(d, DeadReason.EXHAUSTED, 502, "second chain: HTTP 502", BASE.plusSeconds(60));

        DeadLetterServer.Response r = redrive(KEY_A, "subscription_id=" + sub);

        assertThat(r.json().get("redriven").asInt()).as(r.text()).isEqualTo(1);
        assertThat(r.json().at("/skipped/older_duplicate").asInt()).isEqualTo(1);
        List<ConsumerRecord<String, byte[]>> records = readAll(FIRST_TIER, sub);
        assertThat(records).hasSize(1);
        assertThat(header(records.get(0), WireHeaders.WEBHOOK_ID)).isEqualTo(d.webhookId());
        assertThat(header(records.get(0), WireHeaders.LAST_ERROR)).isEqualTo("second chain: HTTP 502");
    }

    @Test
    void redrivingTheSameLettersAgainLaterStartsANewChainUnderTheSameWebhookId() {
        String sub = newSubscriptionId();
        Delivery d = exhaustedDelivery(OPERATOR_A, sub, "again", BASE.minusSeconds(60));
        deadLetter(d, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);

        assertThat(redrive(KEY_A, "subscription_id=" + sub).json().get("redriven").asInt()).isEqualTo(1);
        assertThat(redrive(KEY_A, "subscription_id=" + sub).json().get("redriven").asInt()).isEqualTo(1);

        assertThat(onFirstTier(sub)).extracting(Delivery::webhookId).containsExactly(d.webhookId(), d.webhookId());
        // The letter stays on the dead-letter topic: redrive copies, it does not consume.
        assertThat(server.get("/v1/dead-letters?subscription_id=" + sub, KEY_A).json().get("data")).hasSize(1);
    }

    @Test
    void anotherOperatorsRedriveTouchesNoneOfTheLetters() {
        String sub = newSubscriptionId();
        deadLetter(exhaustedDelivery(OPERATOR_A, sub, "not-yours", BASE), DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);

        DeadLetterServer.Response r = redrive(KEY_B, "subscription_id=" + sub);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("redriven").asInt()).isZero();
        assertThat(onFirstTier(sub)).isEmpty();
    }

    @Test
    void limitCapsTheRedriveOldestFirstAndSaysWhereToContinue() {
        String sub = newSubscriptionId();
        Delivery older = exhaustedDelivery(OPERATOR_A, sub, "older", BASE);
        Delivery newer = exhaustedDelivery(OPERATOR_A, sub, "newer", BASE);
        deadLetter(newer, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE.plusSeconds(5));
        deadLetter(older, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);

        DeadLetterServer.Response r = redrive(KEY_A, "subscription_id=" + sub + "&limit=1");

        assertThat(r.json().get("redriven").asInt()).isEqualTo(1);
        assertThat(r.json().get("has_more").asBoolean()).isTrue();
        assertThat(Instant.parse(r.json().get("next_since").asText())).isEqualTo(BASE.plusSeconds(5));
        assertThat(onFirstTier(sub)).extracting(Delivery::webhookId).containsExactly(older.webhookId());
    }

    @Test
    void takesTheFiltersFromAJsonBodyToo() {
        String sub = newSubscriptionId();
        Delivery d = exhaustedDelivery(OPERATOR_A, sub, "body", BASE);
        deadLetter(d, DeadReason.GONE, 410, "HTTP 410", BASE);

        DeadLetterServer.Response r = server.post("/v1/dead-letters/redrive", KEY_A,
                "{\"subscription_id\": \"" + sub + "\", \"reason\": \"gone\", \"limit\": 10}");

        assertThat(r.json().get("redriven").asInt()).as(r.text()).isEqualTo(1);
        assertThat(onFirstTier(sub)).extracting(Delivery::webhookId).containsExactly(d.webhookId());

        DeadLetterServer.Response both = server.post("/v1/dead-letters/redrive?reason=gone", KEY_A,
                "{\"subscription_id\": \"" + sub + "\"}");
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.json().get("message").asText())
                .isEqualTo("Give the filters either as query parameters or as a JSON body, not both");
        DeadLetterServer.Response misspelt = server.post("/v1/dead-letters/redrive", KEY_A, "{\"subscription\": \"" + sub + "\"}");
        assertThat(misspelt.status()).isEqualTo(400);
        assertThat(misspelt.json().at("/details/0/field").asText()).isEqualTo("subscription");
        assertThat(onFirstTier(sub)).hasSize(1);
    }

    @Test
    void opsRedriveSkipsUnreadableLettersAndCountsThem() {
        String sub = newSubscriptionId();
        Delivery d = exhaustedDelivery(OPERATOR_A, sub, "readable", BASE);
        deadLetter(d, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        unreadableLetter(sub, "{\"webhook_id\": ".getBytes(StandardCharsets.UTF_8), BASE.plusSeconds(1));
        unreadableLetter(sub, new byte[] {(byte) 0xC3, 0x28}, BASE.plusSeconds(2));
        DeadLetters ops = new DeadLetters(DeadLetterFixtures.bootstrap(), RetrySchedule.parse(DeadLetterFixtures.SCHEDULE),
                server.clock, Duration.ofSeconds(15));
        DeadLetterQuery everyOperator = new DeadLetterQuery(null, sub, null, null, null, 1000);

        DeadLetters.Page page = ops.list(everyOperator);
        assertThat(page.letters()).extracting(DeadLetter::readable).containsExactly(true, false, false);
        DeadLetter unreadable = page.letters().get(1);
        assertThat(unreadable.operatorId()).isNull();
        assertThat(unreadable.reason()).isEqualTo("invalid");
        assertThat(unreadable.subscriptionId()).as("from the record key").isEqualTo(sub);
        assertThat(unreadable.unreadable()).startsWith("the value is not a JSON delivery");

        try (KafkaProducer<String, byte[]> producer = KafkaClients.durableProducer(DeadLetterFixtures.bootstrap(),
                "dead-letter-ops-test", 10_000)) {
            DeadLetters.Redrive r = ops.redrive(everyOperator, producer);

            assertThat(r.redriven()).isEqualTo(1);
            assertThat(r.skippedInvalid()).isEqualTo(2);
        }
        assertThat(onFirstTier(sub)).extracting(Delivery::webhookId).containsExactly(d.webhookId());
        // The operator's own redrive never sees the unreadable letters, not even as a count.
        assertThat(redrive(KEY_A, "subscription_id=" + sub).json().at("/skipped/invalid").asInt()).isZero();
    }

    @Test
    void answers503WhenKafkaDoesNotAcknowledgeTheRedrive() {
        String sub = newSubscriptionId();
        deadLetter(exhaustedDelivery(OPERATOR_A, sub, "stuck", BASE), DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        String nobody = "localhost:" + EmbeddedKafka.freePort();
        try (DeadLetterServer writesNowhere = new DeadLetterServer(DeadLetterFixtures.bootstrap(), nobody, 2_000,
                Duration.ofSeconds(15))) {
            DeadLetterServer.Response r = writesNowhere.post("/v1/dead-letters/redrive?subscription_id=" + sub, KEY_A, null);

            assertThat(r.status()).as(r.text()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("kafka_unavailable");
            assertThat(r.json().get("message").asText())
                    .startsWith("Kafka acknowledged 0 of 1 redriven deliveries on " + FIRST_TIER);
        }
        assertThat(onFirstTier(sub)).isEmpty();
    }
}
