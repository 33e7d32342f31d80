package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Postback subscriptions through the whole pipeline ({@code ./run.sh}'s all-in-one process on an
 * embedded broker): an event posted to the ingest API reaches a tracker as a signed GET whose query is
 * the subscription's template with the event's values encoded, and a tracker that fails first gets the
 * same postback again from the retry tier, which the delivery log and {@code webhooks.attempts} show.
 */
class PostbackEndToEndTest {

    static final String KEY = "acme-key-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Several macro kinds: nested ({@code tracking.*}), money, value-mapped ({@code currency}, and
     * {@code status}, which conversion events lack), raw, and {@code webhook_id}.
     */
    private static final String QUERY_TEMPLATE = "?cid={tracking.click_id}&payout={amount}&cur={currency}"
            + "&aff={affiliate_id}&player={player_ref}&s1={tracking.sub1}&extra={raw:tracking.sub2}&st={status}"
            + "&tx={transaction_id}&wid={webhook_id}";

    static AllInOne pipeline;
    static WebhookReceiver receiver;
    static PipelineClient ingest;
    static PipelineClient dispatcher;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = PipelineEnv.of("postback-e2e", "WEBHOOKS_API_KEYS", "acme=" + KEY,
                // Short tiers, so the retry of a failed postback comes within the test.
                "WEBHOOKS_RETRY_SCHEDULE", "1s,2s", "WEBHOOKS_PARTITIONS", "2");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        ingest = new PipelineClient(pipeline.ingestUrl());
        dispatcher = new PipelineClient("http://localhost:" + pipeline.dispatcherPort());
    }

    @AfterAll
    static void stop() {
        receiver.close();
        pipeline.close();
    }

    @Test
    void getPostbackArrivesWithEachValueEncodedIntoTheTemplateAndAValidSignature() throws Exception {
        JsonNode sub = subscribe("/tracker", "conversion.ftd");
        ingest.send(KEY, event("pb-encoded-1", "conversion.ftd"));

        await().atMost(WAIT).until(() -> received("/tracker").size() == 1);
        Received r = received("/tracker").get(0);
        String webhookId = r.header("webhook-id");
        assertThat(webhookId).startsWith("msg_");
        // Written out by hand (RFC 3986: space %20, UTF-8 bytes), not computed with the product's encoder.
        assertThat(r.path()).isEqualTo("/tracker?cid=clk%2042%26x%3D1&payout=125.50&cur=978"
                + "&aff=Zo%C3%AB%20%26%20Co&player=p%3D%C3%BC%20%E2%82%AC&s1=sub%20one%2F%C3%A4"
                + "&extra=a%20b&k=v&st=&tx=tx-pb%3D1&wid=" + webhookId);
        assertSignedGet(r, sub.get("secret").asText());
    }

    @Test
    void failingTrackerGetsThePostbackAgainFromTheRetryTierUnderTheSameWebhookId() throws Exception {
        receiver.reply("/flaky-tracker", Reply.status(503).withBody("tracker down"));
        JsonNode sub = subscribe("/flaky-tracker", "conversion.deposit");
        String secret = sub.get("secret").asText();
        ingest.send(KEY, event("pb-retry-1", "conversion.deposit"));

        await().atMost(WAIT).until(() -> received("/flaky-tracker").size() == 1);
        receiver.reply("/flaky-tracker", Reply.status(200).withBody("ok"));
        await().atMost(WAIT).until(() -> received("/flaky-tracker").size() == 2);

        Received first = received("/flaky-tracker").get(0);
        Received second = received("/flaky-tracker").get(1);
        String webhookId = first.header("webhook-id");
        assertThat(second.header("webhook-id")).isEqualTo(webhookId);
        assertThat(second.path()).as("rendered again from the same event").isEqualTo(first.path())
                .endsWith("&st=&tx=tx-pb%3D1&wid=" + webhookId);
        assertSignedGet(first, secret);
        assertSignedGet(second, secret);

        // The delivery log follows webhooks.attempts; it may be a moment behind the tracker.
        JsonNode[] delivery = new JsonNode[1];
        await().atMost(WAIT).until(() -> {
            PipelineClient.Answer a = dispatcher.call("GET", "/v1/events/pb-retry-1/deliveries", KEY, null);
            if (a.status() != 200 || a.body().path("data").size() != 1) {
                return false;
            }
            delivery[0] = a.body().get("data").get(0);
            return delivery[0].get("state").asText().equals("delivered");
        });
        JsonNode d = delivery[0];
        assertThat(d.get("webhook_id").asText()).isEqualTo(webhookId);
        assertThat(d.get("subscription_id").asText()).isEqualTo(sub.get("id").asText());
        assertThat(d.get("attempt_count").asInt()).isEqualTo(2);
        JsonNode attempts = d.get("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(attempts.get(0).get("status").asInt()).isEqualTo(503);
        assertThat(attempts.get(0).get("error").asText()).contains("503");
        assertThat(attempts.get(0).get("response_excerpt").asText()).isEqualTo("tracker down");
        assertThat(attempts.get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(attempts.get(1).get("status").asInt()).isEqualTo(200);
        Instant firstAttempted = Instant.parse(attempts.get(0).get("attempted_at").asText());
        Instant secondDue = Instant.parse(attempts.get(1).get("due_at").asText());
        assertThat(secondDue).as("due one tier (1 s) after the failed attempt")
                .isAfterOrEqualTo(firstAttempted.plusSeconds(1));
        assertThat(Instant.parse(attempts.get(1).get("attempted_at").asText())).as("never early")
                .isAfterOrEqualTo(secondDue);
        assertThat(attempts.get(1).get("error").isNull()).isTrue();

        // The delivery log does not show empty_macros; webhooks.attempts does, on every postback attempt.
        try (KafkaTestClient kafka = new KafkaTestClient(pipeline.config().bootstrapServers())) {
            List<JsonNode> records = kafka.readUntil(Topics.ATTEMPTS, l -> attemptsOf(l, webhookId).size() >= 2, WAIT)
                    .stream().filter(c -> webhookId.equals(c.key())).map(c -> tree(c.value())).toList();
            assertThat(records).extracting(a -> a.get("outcome").asText()).containsExactly("retrying", "delivered");
            assertThat(records).allSatisfy(a -> assertThat(a.get("empty_macros")).as("conversion events have no status")
                    .isEqualTo(Json.MAPPER.valueToTree(List.of("{status}"))));
        }
    }

    /**
     * A GET postback subscription of acme to {@code eventType} at {@code path}, with a value map on
     * {@code currency} and one on {@code status}; the API's answer.
     */
    private static JsonNode subscribe(String path, String eventType) throws Exception {
        ObjectNode body = Json.object().put("mode", "postback")
                .put("url_template", receiver.url(path) + QUERY_TEMPLATE);
        body.putArray("event_types").add(eventType);
        ObjectNode valueMap = body.putObject("value_map");
        valueMap.putObject("currency").put("EUR", "978");
        valueMap.putObject("status").put("approved", "1");
        PipelineClient.Answer a = ingest.call("POST", "/v1/subscriptions", KEY, body);
        assertThat(a.status()).as("create: %s", a.body()).isEqualTo(201);
        assertThat(a.body().get("mode").asText()).isEqualTo("postback");
        return a.body();
    }

    /** A conversion event whose values need encoding: {@code &}, {@code =}, spaces, non-ASCII. */
    private static ObjectNode event(String eventId, String eventType) {
        ObjectNode e = PipelineClient.ftd("acme", eventId).put("event_type", eventType)
                .put("affiliate_id", "Zoë & Co").put("player_ref", "p=ü €").put("transaction_id", "tx-pb=1");
        e.putObject("tracking").put("click_id", "clk 42&x=1").put("sub1", "sub one/ä")
                // Already encoded by the operator, so the raw macro must insert it unchanged.
                .put("sub2", "a%20b&k=v");
        return e;
    }

    private static List<Received> received(String path) {
        return receiver.select(r -> r.path().startsWith(path + "?"));
    }

    /** A GET without a body, its Standard Webhooks signature over the empty body valid with {@code secret}. */
    private static void assertSignedGet(Received r, String secret) throws Exception {
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.body()).isEmpty();
        assertThat(r.header("content-type")).isNull();
        long now = Instant.now().getEpochSecond();
        assertThat(Long.parseLong(r.header("webhook-timestamp"))).isBetween(now - 60, now + 5);
        assertThat(Signatures.valid(secret, r.header("webhook-id"), r.header("webhook-timestamp"), new byte[0],
                r.header("webhook-signature"))).as("signature of %s", r.header("webhook-id")).isTrue();
    }

    private static List<ConsumerRecord<String, byte[]>> attemptsOf(List<ConsumerRecord<String, byte[]>> records,
                                                                  String webhookId) {
        return records.stream().filter(c -> webhookId.equals(c.key())).toList();
    }

    private static JsonNode tree(byte[] value) {
        try {
            return Json.MAPPER.readTree(value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
