package io.hookrelay.retry.service;

import static io.hookrelay.retry.service.DeadLetterFixtures.deadLetter;
import static io.hookrelay.retry.service.DeadLetterFixtures.exhaustedDelivery;
import static io.hookrelay.retry.service.DeadLetterFixtures.newSubscriptionId;
import static io.hookrelay.retry.service.DeadLetterFixtures.unreadableLetter;
import static io.hookrelay.retry.service.DeadLetterServer.KEY_A;
import static io.hookrelay.retry.service.DeadLetterServer.KEY_B;
import static io.hookrelay.retry.service.DeadLetterServer.OPERATOR_A;
import static io.hookrelay.retry.service.DeadLetterServer.OPERATOR_B;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/dead-letters} against a real broker, as an operator's script calls it. */
class DeadLetterApiTest {

    private static DeadLetterServer server;
    /** Dead-letter times of these tests: minutes before now, so every letter is inside the broker's retention. */
    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofHours(1));

    @BeforeAll
    static void start() {
        server = DeadLetterServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode list(String key, String query) {
        DeadLetterServer.Response r = server.get("/v1/dead-letters?" + query, key);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    private static List<String> webhookIds(JsonNode page) {
        return StreamSupport.stream(page.get("data").spliterator(), false).map(l -> l.get("webhook_id").asText()).toList();
    }

    private static String iso(Instant t) {
        return URLEncoder.encode(t.toString(), StandardCharsets.UTF_8);
    }

    @Test
    void listsTheLettersOfOneSubscriptionWithWhatOpsNeedToActOnThem() {
        String sub = newSubscriptionId();
        String other = newSubscriptionId();
        Delivery d1 = exhaustedDelivery(OPERATOR_A, sub, "ftd-1", BASE.minusSeconds(600));
        Delivery d2 = exhaustedDelivery(OPERATOR_A, sub, "ftd-2", BASE.minusSeconds(500));
        deadLetter(d1, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        deadLetter(d2, DeadReason.GONE, 410, "HTTP 410 Gone", BASE.plusSeconds(1));
        deadLetter(exhaustedDelivery(OPERATOR_A, other, "ftd-3", BASE), DeadReason.EXHAUSTED, 0, "connect timed out",
                BASE.plusSeconds(2));

        JsonNode page = list(KEY_A, "subscription_id=" + sub);

        assertThat(webhookIds(page)).containsExactly(d1.webhookId(), d2.webhookId());
        assertThat(page.get("has_more").asBoolean()).isFalse();
        assertThat(page.get("next_since").isNull()).isTrue();
        JsonNode first = page.get("data").get(0);
        assertThat(first.get("subscription_id").asText()).isEqualTo(sub);
        assertThat(first.get("event_id").asText()).isEqualTo("ftd-1");
        assertThat(first.get("event_type").asText()).isEqualTo("conversion.ftd");
        assertThat(first.get("attempt").asInt()).isEqualTo(3);
        assertThat(first.get("reason").asText()).isEqualTo("exhausted");
        assertThat(first.get("last_status").asInt()).isEqualTo(500);
        assertThat(first.get("last_error").asText()).isEqualTo("HTTP 500");
        assertThat(Instant.parse(first.get("dead_at").asText())).isEqualTo(BASE);
        assertThat(Instant.parse(first.get("first_attempt_at").asText())).isEqualTo(BASE.minusSeconds(600));
        assertThat(first.get("position").asText()).matches("webhooks\\.dlq/[0-9]+/[0-9]+");
        assertThat(first.has("event")).as("the list carries no event body").isFalse();
        assertThat(page.get("data").get(1).get("reason").asText()).isEqualTo("gone");
    }

    @Test
    void filtersByReason() {
        String sub = newSubscriptionId();
        Delivery exhausted = exhaustedDelivery(OPERATOR_A, sub, "e1", BASE);
        Delivery gone = exhaustedDelivery(OPERATOR_A, sub, "e2", BASE);
        Delivery disabled = exhaustedDelivery(OPERATOR_A, sub, "e3", BASE);
        deadLetter(exhausted, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        deadLetter(gone, DeadReason.GONE, 410, "HTTP 410", BASE);
        deadLetter(disabled, DeadReason.ENDPOINT_DISABLED, 0, "", BASE);

        assertThat(webhookIds(list(KEY_A, "subscription_id=" + sub + "&reason=gone"))).containsExactly(gone.webhookId());
        assertThat(webhookIds(list(KEY_A, "subscription_id=" + sub + "&reason=endpoint-disabled")))
                .containsExactly(disabled.webhookId());
        assertThat(webhookIds(list(KEY_A, "subscription_id=" + sub + "&reason=endpoint-deleted"))).isEmpty();
    }

    @Test
    void sinceIsInclusiveAndUntilExclusiveOnTheDeadLetterTime() {
        String sub = newSubscriptionId();
        Instant t1 = BASE.minus(Duration.ofMinutes(30));
        Instant t2 = BASE.minus(Duration.ofMinutes(20));
        Instant t3 = BASE.minus(Duration.ofMinutes(10));
        // Written newest first: the topic's timestamps need not follow its offsets.
        Delivery d3 = exhaustedDelivery(OPERATOR_A, sub, "t3", t1);
        Delivery d2 = exhaustedDelivery(OPERATOR_A, sub, "t2", t1);
        Delivery d1 = exhaustedDelivery(OPERATOR_A, sub, "t1", t1);
        deadLetter(d3, DeadReason.EXHAUSTED, 500, "HTTP 500", t3);
        deadLetter(d2, DeadReason.EXHAUSTED, 500, "HTTP 500", t2);
        deadLetter(d1, DeadReason.EXHAUSTED, 500, "HTTP 500", t1);
        String s = "subscription_id=" + sub;

        assertThat(webhookIds(list(KEY_A, s + "&since=" + iso(t2))))
                .containsExactly(d2.webhookId(), d3.webhookId());
        assertThat(webhookIds(list(KEY_A, s + "&until=" + iso(t2)))).containsExactly(d1.webhookId());
        assertThat(webhookIds(list(KEY_A, s + "&since=" + iso(t1) + "&until=" + iso(t3))))
                .containsExactly(d1.webhookId(), d2.webhookId());
        assertThat(webhookIds(list(KEY_A, s + "&since=" + iso(t3.plusMillis(1))))).isEmpty();
        // Any offset works; the instant is what counts.
        String t2InParis = URLEncoder.encode(t2.atOffset(ZoneOffset.ofHours(1)).toString(), StandardCharsets.UTF_8);
        assertThat(webhookIds(list(KEY_A, s + "&since=" + t2InParis)))
                .containsExactly(d2.webhookId(), d3.webhookId());
    }

    @Test
    void limitCutsThePageOldestFirstAndNextSinceContinuesIt() {
        String sub = newSubscriptionId();
        List<Delivery> letters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Delivery d = exhaustedDelivery(OPERATOR_A, sub, "page-" + i, BASE);
            letters.add(d);
            deadLetter(d, DeadReason.EXHAUSTED, 503, "HTTP 503", BASE.plusSeconds(i));
        }
        List<String> ids = letters.stream().map(Delivery::webhookId).toList();

        JsonNode first = list(KEY_A, "subscription_id=" + sub + "&limit=2");
        assertThat(webhookIds(first)).containsExactlyElementsOf(ids.subList(0, 2));
        assertThat(first.get("has_more").asBoolean()).isTrue();
        assertThat(Instant.parse(first.get("next_since").asText())).isEqualTo(BASE.plusSeconds(2));

        JsonNode second = list(KEY_A, "subscription_id=" + sub + "&limit=2&since=" + iso(BASE.plusSeconds(2)));
        assertThat(webhookIds(second)).containsExactlyElementsOf(ids.subList(2, 4));
        JsonNode last = list(KEY_A, "subscription_id=" + sub + "&limit=2&since="
                + iso(Instant.parse(second.get("next_since").asText())));
        assertThat(webhookIds(last)).containsExactly(ids.get(4));
        assertThat(last.get("has_more").asBoolean()).isFalse();

        JsonNode all = list(KEY_A, "subscription_id=" + sub);
        assertThat(webhookIds(all)).containsExactlyElementsOf(ids);
    }

    @Test
    void anOperatorSeesOnlyItsOwnLettersAndNeverUnreadableOnes() {
        String subA = newSubscriptionId();
        String subB = newSubscriptionId();
        Delivery a = exhaustedDelivery(OPERATOR_A, subA, "mine", BASE);
        Delivery b = exhaustedDelivery(OPERATOR_B, subB, "theirs", BASE);
        deadLetter(a, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        deadLetter(b, DeadReason.EXHAUSTED, 500, "HTTP 500", BASE);
        unreadableLetter(subA, "not json at all".getBytes(StandardCharsets.UTF_8), BASE);

        assertThat(webhookIds(list(KEY_B, "subscription_id=" + subA))).isEmpty();
        List<String> seenByB = webhookIds(list(KEY_B, "limit=1000"));
        assertThat(seenByB).contains(b.webhookId()).doesNotContain(a.webhookId());
        JsonNode seenByA = list(KEY_A, "subscription_id=" + subA);
        assertThat(webhookIds(seenByA)).containsExactly(a.webhookId());
        assertThat(webhookIds(list(KEY_A, "limit=1000"))).contains(a.webhookId()).doesNotContain(b.webhookId());
        assertThat(webhookIds(list(KEY_A, "reason=invalid&limit=1000"))).isEmpty();
    }

    @Test
    void refusesRequestsWithoutAValidKey() {
        DeadLetterServer.Response none = server.get("/v1/dead-letters", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).isEqualTo("unauthorized");
        assertThat(server.get("/v1/dead-letters", "key-x-0123456789abcdef").status()).isEqualTo(401);
        assertThat(server.post("/v1/dead-letters/redrive", null, null).status()).isEqualTo(401);
        assertThat(server.post("/v1/dead-letters/redrive", "key-x-0123456789abcdef", null).status()).isEqualTo(401);
    }

    @Test
    void refusesBadFiltersNamingEveryParameter() {
        DeadLetterServer.Response r = server.get("/v1/dead-letters?since=yesterday&reason=lost&limit=0&subscription=s1",
                KEY_A);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
        assertThat(r.json().get("details")).extracting(d -> d.get("field").asText())
                .containsExactlyInAnyOrder("subscription", "reason", "since", "limit");
        assertThat(r.json().get("message").asText())
                .contains("since: must be an ISO-8601 date-time", "got 'yesterday'")
                .contains("reason: must be one of exhausted, gone, endpoint-disabled, endpoint-deleted, invalid, got 'lost'")
                .contains("limit: must be between 1 and 1000, got 0")
                .contains("subscription: unknown parameter; the filters are subscription_id, reason, since, until, limit");

        DeadLetterServer.Response tooMany = server.get("/v1/dead-letters?limit=1001", KEY_A);
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().at("/details/0/field").asText()).isEqualTo("limit");

        DeadLetterServer.Response notANumber = server.get("/v1/dead-letters?limit=ten", KEY_A);
        assertThat(notANumber.json().at("/details/0/message").asText())
                .isEqualTo("must be a whole number between 1 and 1000, got 'ten'");

        DeadLetterServer.Response badUntil = server.get("/v1/dead-letters?until=2026-11-27", KEY_A);
        assertThat(badUntil.status()).isEqualTo(400);
        assertThat(badUntil.json().at("/details/0/field").asText()).isEqualTo("until");

        DeadLetterServer.Response backwards = server.get("/v1/dead-letters?since=2026-11-27T10:00:00Z&until=2026-11-27T09:00:00Z",
                KEY_A);
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.json().at("/details/0/message").asText())
                .isEqualTo("must be before until, got since 2026-11-27T10:00:00Z and until 2026-11-27T09:00:00Z");

        DeadLetterServer.Response twice = server.get("/v1/dead-letters?reason=gone&reason=exhausted", KEY_A);
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json().at("/details/0/field").asText()).isEqualTo("reason");
    }

    @Test
    void answers503WhenTheTopicCannotBeRead() {
        String nobody = "localhost:" + EmbeddedKafka.freePort();
        try (DeadLetterServer down = new DeadLetterServer(nobody, nobody, 2_000, Duration.ofSeconds(2))) {
            DeadLetterServer.Response r = down.get("/v1/dead-letters", KEY_A);

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("kafka_unavailable");
            assertThat(r.json().get("message").asText()).contains("webhooks.dlq", "retry the request");
        }
    }
}
