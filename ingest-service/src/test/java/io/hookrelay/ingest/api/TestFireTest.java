package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static io.hookrelay.ingest.api.ApiServer.KEY_B;
import static io.hookrelay.ingest.api.ApiServer.OPERATOR_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.event.EventFamily;
import io.hookrelay.event.EventValidator;
import io.hookrelay.event.ValidationResult;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/subscriptions/{id}/test} against a real local endpoint: what the endpoint receives,
 * what the operator is answered, and that nothing of it enters the delivery pipeline.
 */
class TestFireTest {

    private static ApiServer server;
    private static ApiClient client;
    private static WebhookReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.start(TestKafka.bootstrap(), true, 5_000);
        client = server.client();
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        server.close();
    }

    /** Creates a subscription through the API and returns its answer (with id and secret). */
    private static JsonNode subscribe(String key, String url) {
        ApiClient.Response created = client.postJson("/v1/subscriptions", key,
                Map.of("url", url, "event_types", List.of("conversion.*")));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.json();
    }

    private static ApiClient.Response testFire(String key, String id) {
        return client.send("POST", "/v1/subscriptions/" + id + "/test", key, null, new byte[0]);
    }

    @Test
    void sendsOneSignedTestEventNowAndAnswersWhatTheEndpointSaid() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        receiver.reply("/test-ok", Reply.status(200).withBody("thanks, got it").after(Duration.ofMillis(150)));
        JsonNode s = subscribe(KEY_A, receiver.url("/test-ok?token=" + token));
        String id = s.get("id").asText();

        ApiClient.Response answer = testFire(KEY_A, id);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().get("delivered").asBoolean()).isTrue();
        assertThat(answer.json().get("status").asInt()).isEqualTo(200);
        assertThat(answer.json().get("response_excerpt").asText()).isEqualTo("thanks, got it");
        assertThat(answer.json().get("error").isNull()).isTrue();
        assertThat(answer.json().get("latency_ms").asLong()).as("the endpoint took 150 ms to answer")
                .isGreaterThanOrEqualTo(150);
        List<Received> got = receiver.received("/test-ok?token=" + token);
        assertThat(got).hasSize(1);
        Received request = got.get(0);
        String webhookId = request.header("webhook-id");
        assertThat(webhookId).startsWith("msg_").isEqualTo(answer.json().get("webhook_id").asText());
        assertThat(request.header("content-type")).isEqualTo("application/json");
        long timestamp = Long.parseLong(request.header("webhook-timestamp"));
        assertThat(WebhookSigner.verify(s.get("secret").asText(), webhookId, timestamp, request.body(),
                request.header("webhook-signature"))).as("signed with the subscription's secret").isTrue();
        JsonNode body = Json.tree(request.body());
        assertThat(body.get("type").asText()).isEqualTo("webhook.test");
        assertThat(Instant.parse(body.get("timestamp").asText())).isNotNull();
        assertThat(body.get("data").get("subscription_id").asText()).isEqualTo(id);
        assertThat(body.get("data").get("message").asText()).isNotBlank();

        ApiClient.Response again = testFire(KEY_A, id);
        assertThat(receiver.received("/test-ok?token=" + token)).hasSize(2);
        assertThat(again.json().get("webhook_id").asText()).as("a fresh webhook-id per test, so receivers do not"
                + " drop the second as a duplicate").isNotEqualTo(webhookId);
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void reportsAFailingEndpointAsNotDeliveredWithItsStatusAndAShortExcerpt() {
        receiver.reply("/test-500", Reply.status(500).withBody("x".repeat(5000)));
        String id = subscribe(KEY_A, receiver.url("/test-500")).get("id").asText();

        ApiClient.Response answer = testFire(KEY_A, id);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("delivered").asBoolean()).isFalse();
        assertThat(answer.json().get("status").asInt()).isEqualTo(500);
        assertThat(answer.json().get("error").asText()).isEqualTo("HTTP 500");
        assertThat(answer.json().get("response_excerpt").asText()).hasSize(1024).matches("x+");
        assertThat(receiver.received("/test-500")).as("a failed test is never retried").hasSize(1);
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void reportsAnEndpointThatDoesNotAnswerWithStatusZeroAndTheError() {
        int closed = EmbeddedKafka.freePort();
        String id = subscribe(KEY_A, "http://127.0.0.1:" + closed + "/hook?token=secret-ish").get("id").asText();

        ApiClient.Response answer = testFire(KEY_A, id);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("delivered").asBoolean()).isFalse();
        assertThat(answer.json().get("status").asInt()).isZero();
        assertThat(answer.json().get("error").asText()).startsWith("connection to http://127.0.0.1:" + closed + " failed");
        assertThat(answer.json().get("error").asText()).doesNotContain("secret-ish", "/hook");
        assertThat(answer.json().get("response_excerpt").asText()).isEmpty();
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void testsADisabledSubscriptionSoAFixCanBeCheckedBeforeEnablingIt() {
        String id = subscribe(KEY_A, receiver.url("/test-disabled")).get("id").asText();
        assertThat(client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("enabled", false)).status()).isEqualTo(200);

        ApiClient.Response answer = testFire(KEY_A, id);

        assertThat(answer.json().get("delivered").asBoolean()).isTrue();
        assertThat(receiver.received("/test-disabled")).hasSize(1);
        assertThat(client.get("/v1/subscriptions/" + id, KEY_A).json().get("enabled").asBoolean())
                .as("testing does not enable it").isFalse();
    }

    @Test
    void answers404ForAnotherOperatorsSubscriptionAndSendsNothing() {
        String id = subscribe(KEY_A, receiver.url("/test-foreign")).get("id").asText();

        ApiClient.Response foreign = testFire(KEY_B, id);
        ApiClient.Response unknown = testFire(KEY_A, "sub_doesnotexist");
        ApiClient.Response anonymous = testFire(null, id);

        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.error()).isEqualTo("not_found");
        assertThat(foreign.message()).as("the same answer as for an id that does not exist")
                .isEqualTo("Subscription " + id + " does not exist");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.message()).isEqualTo("Subscription sub_doesnotexist does not exist");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(receiver.received("/test-foreign")).isEmpty();
    }

    @Test
    void refusesAPrivateTargetAtConnectTimeWhenPrivateTargetsAreNotAllowed() throws Exception {
        // Written straight to the topic: the API itself would refuse this URL at creation.
        Instant now = Instant.now();
        Subscription s = Subscription.builder(Secrets.newSubscriptionId(), OPERATOR_A, receiver.url("/test-private"))
                .eventTypes("*").filter(Subscription.Filter.NONE).description("private").enabled(true)
                .secret(Secrets.newSecret()).createdAt(now).updatedAt(now).build();
        try (KafkaTestClient kafka = new KafkaTestClient(TestKafka.bootstrap());
             ApiServer strict = ApiServer.start(TestKafka.bootstrap(), false, 5_000)) {
            kafka.send(Topics.SUBSCRIPTIONS, s.id(), Json.bytes(s));
            await().atMost(Duration.ofSeconds(30)).until(() -> strict.catalog.get(s.id()).isPresent());

            ApiClient.Response answer = strict.client().send("POST", "/v1/subscriptions/" + s.id() + "/test", KEY_A,
                    null, new byte[0]);

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.json().get("delivered").asBoolean()).isFalse();
            assertThat(answer.json().get("status").asInt()).isZero();
            assertThat(answer.json().get("error").asText()).startsWith("target refused: 127.0.0.1")
                    .contains("WEBHOOKS_ALLOW_PRIVATE_TARGETS");
        }
        assertThat(receiver.received("/test-private")).isEmpty();
    }

    @Test
    void testFiresAGetPostbackAsItsTrackerWouldReceiveItFilledFromASampleEvent() throws Exception {
        receiver.reply("/pb-get", Reply.status(200).withBody("postback recorded"));
        Map<String, Object> body = new HashMap<>();
        body.put("mode", "postback");
        body.put("event_types", List.of("conversion.*"));
        body.put("url_template", receiver.url("/pb-get") + "?cid={tracking.click_id}&payout={amount}&cur={currency}"
                + "&et={event_type}&eid={event_id}&tx={transaction_id}&test={is_test}&s2={tracking.sub2}"
                + "&wid={webhook_id}&st={status}");
        ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String id = created.json().get("id").asText();

        ApiClient.Response answer = testFire(KEY_A, id);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().get("delivered").asBoolean()).isTrue();
        assertThat(answer.json().get("status").asInt()).isEqualTo(200);
        assertThat(answer.json().get("response_excerpt").asText()).isEqualTo("postback recorded");
        assertThat(answer.json().get("error").isNull()).isTrue();
        // A conversion has no status: the answer says so before a real conversion goes out without one.
        assertThat(answer.json().get("empty_macros")).extracting(JsonNode::asText).containsExactly("{status}");
        String webhookId = answer.json().get("webhook_id").asText();
        List<Received> got = receiver.select(r -> r.path().startsWith("/pb-get?"));
        assertThat(got).hasSize(1);
        Received request = got.get(0);
        assertThat(request.method()).isEqualTo("GET");
        // conversion.* names no exact type, so conversion.ftd; it has no status, so {status} is empty.
        Matcher query = Pattern.compile(
                Pattern.quote("/pb-get?cid=test-click&payout=1.00&cur=USD&et=conversion.ftd&eid=test_") + "([0-9a-f]{16})"
                + Pattern.quote("&tx=test_tx_") + "\\1"
                + Pattern.quote("&test=true&s2=test-sub2&wid=" + webhookId + "&st=")).matcher(request.path());
        assertThat(query.matches()).as("raw path and query: %s", request.path()).isTrue();
        assertThat(request.body()).isEmpty();
        assertThat(request.header("content-type")).isNull();
        assertThat(request.header("webhook-id")).isEqualTo(webhookId).startsWith("msg_");
        assertThat(WebhookSigner.verify(created.json().get("secret").asText(), webhookId,
                Long.parseLong(request.header("webhook-timestamp")), new byte[0], request.header("webhook-signature")))
                .as("a GET is signed over an empty body, as a real postback").isTrue();
        assertThat(answer.text()).doesNotContain(created.json().get("secret").asText());

        testFire(KEY_A, id);
        List<Received> both = receiver.select(r -> r.path().startsWith("/pb-get?"));
        assertThat(both).hasSize(2);
        assertThat(both.get(1).path()).as("a fresh event id per test, so a tracker deduplicating on it takes the"
                + " second test too").isNotEqualTo(request.path());
        assertThat(both.get(1).header("webhook-id")).isNotEqualTo(webhookId);
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void testFiresAPostPostbackWithItsValueMapAndTheEventTypeItsWildcardNames() throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("mode", "postback");
        body.put("event_types", List.of("kyc.*"));
        body.put("url_template", receiver.url("/pb-post") + "?sub={tracking.sub1}");
        body.put("method", "POST");
        body.put("body_template", "status={status}&from={previous_status}&player={player_ref}&et={event_type}"
                + "&amount={amount}");
        body.put("value_map", Map.of("status", Map.of("approved", "1", "rejected", "2")));
        ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(created.status()).as(created.text()).isEqualTo(201);

        ApiClient.Response answer = testFire(KEY_A, created.json().get("id").asText());

        assertThat(answer.json().get("delivered").asBoolean()).as(answer.text()).isTrue();
        List<Received> got = receiver.select(r -> r.path().startsWith("/pb-post"));
        assertThat(got).hasSize(1);
        Received request = got.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/pb-post?sub=test-sub1");
        // kyc.* gives kyc.status_changed: approved maps to 1; a KYC event has no amount, rendered empty.
        assertThat(request.bodyText())
                .isEqualTo("status=1&from=pending&player=test-player&et=kyc.status_changed&amount=");
        assertThat(request.header("content-type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(WebhookSigner.verify(created.json().get("secret").asText(), request.header("webhook-id"),
                Long.parseLong(request.header("webhook-timestamp")), request.body(),
                request.header("webhook-signature"))).isTrue();
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void previewRendersWhatAPostbackWouldSendForTheSampleEventAndStoresAndSendsNothing() throws Exception {
        int before = client.get("/v1/subscriptions", KEY_A).json().get("data").size();
        Map<String, Object> body = new HashMap<>();
        body.put("mode", "postback");
        body.put("event_types", List.of("kyc.*"));
        body.put("url_template", receiver.url("/pb-preview") + "?sub={tracking.sub1}&amt={amount}&n={raw:tracking.btag}");
        body.put("method", "POST");
        body.put("body_template", "status={status}&tx={transaction_id}");
        body.put("body_encoding", "form");
        body.put("value_map", Map.of("status", Map.of("approved", "1")));

        ApiClient.Response preview = client.postJson("/v1/subscriptions/preview", KEY_A, body);

        assertThat(preview.status()).as(preview.text()).isEqualTo(200);
        assertThat(preview.json().get("mode").asText()).isEqualTo("postback");
        assertThat(preview.json().get("method").asText()).isEqualTo("POST");
        assertThat(preview.json().get("url").asText())
                .isEqualTo(receiver.url("/pb-preview") + "?sub=test-sub1&amt=&n=test-btag");
        assertThat(preview.json().get("body").asText()).isEqualTo("status=1&tx=");
        assertThat(preview.json().get("content_type").asText()).isEqualTo("application/x-www-form-urlencoded");
        // A KYC event has no amount and no transaction: the macros a real one would leave empty too.
        assertThat(preview.json().get("empty_macros")).extracting(JsonNode::asText)
                .containsExactly("{amount}", "{transaction_id}");
        assertThat(preview.json().get("sample_event").get("event_type").asText()).isEqualTo("kyc.status_changed");
        assertThat(preview.text()).doesNotContain("whsec_");
        assertThat(client.get("/v1/subscriptions", KEY_A).json().get("data").size()).isEqualTo(before);
        assertThat(receiver.select(r -> r.path().startsWith("/pb-preview"))).isEmpty();
        assertNothingWrittenToTheDeliveryTopics();
    }

    @Test
    void previewRefusesWhatACreateWouldRefuseWithTheSameFieldDetail() {
        Map<String, Object> body = new HashMap<>();
        body.put("mode", "postback");
        body.put("event_types", List.of("conversion.ftd"));
        body.put("url_template", receiver.url("/pb") + "?p={payout}");

        ApiClient.Response preview = client.postJson("/v1/subscriptions/preview", KEY_A, body);
        ApiClient.Response create = client.postJson("/v1/subscriptions", KEY_A, body);

        assertThat(preview.status()).isEqualTo(400);
        assertThat(preview.error()).isEqualTo("invalid_subscription");
        assertThat(preview.details()).isEqualTo(create.details());
        assertThat(preview.details().get(0).get("field").asText()).isEqualTo("url_template");
        assertThat(preview.details().get(0).get("message").asText()).contains("{payout}");
        assertThat(client.postJson("/v1/subscriptions/preview", null, body).status()).isEqualTo(401);
    }

    @Test
    void sampleEventTypeIsTheFirstExactTypeElseConversionFtdElseTheWildcardFamilysFirstType() {
        assertThat(TestFire.sampleEventType(List.of("kyc.*", "commission.approved", "conversion.deposit")))
                .isEqualTo("commission.approved");
        assertThat(TestFire.sampleEventType(List.of("*"))).isEqualTo("conversion.ftd");
        assertThat(TestFire.sampleEventType(List.of("chargeback.*", "conversion.*"))).isEqualTo("conversion.ftd");
        assertThat(TestFire.sampleEventType(List.of("commission.*"))).isEqualTo("commission.pending");
        assertThat(TestFire.sampleEventType(List.of("affiliate.*"))).isEqualTo("affiliate.status_changed");
    }

    @Test
    void sampleEventOfEveryEventTypeIsAValidEventOfTheContractMarkedAsATest() {
        Instant now = Instant.parse("2026-11-27T10:15:30Z");
        for (String type : EventFamily.allEventTypes()) {
            Subscription s = Subscription.builder(Secrets.newSubscriptionId(), OPERATOR_A, "https://93.184.215.14")
                    .eventTypes(type).filter(Subscription.Filter.NONE).description("sample").enabled(true)
                    .secret(Secrets.newSecret()).createdAt(now).updatedAt(now).build();

            ObjectNode sample = TestFire.sampleEvent(s, "0123456789abcdef", Clock.fixed(now, ZoneOffset.UTC));

            ValidationResult checked = new EventValidator(Clock.fixed(now, ZoneOffset.UTC)).validate(sample, null);
            assertThat(checked.errors()).as("errors of the %s sample", type).isEmpty();
            assertThat(checked.canonical()).as("the %s sample is already canonical", type).isEqualTo(sample);
            assertThat(sample.get("event_type").asText()).isEqualTo(type);
            assertThat(sample.get("event_id").asText()).isEqualTo("test_0123456789abcdef");
            assertThat(sample.get("is_test").asBoolean()).isTrue();
            assertThat(sample.get("operator_id").asText()).isEqualTo(OPERATOR_A);
            assertThat(sample.get("tracking").get("click_id").asText()).isEqualTo("test-click");
        }
    }

    /** Nothing on webhooks.attempts, any webhooks.retry.* topic or webhooks.dlq: no other ingest test writes there. */
    private static void assertNothingWrittenToTheDeliveryTopics() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap());
        try (Admin admin = Admin.create(p)) {
            List<String> topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.equals(Topics.ATTEMPTS) || t.equals(Topics.DLQ) || t.startsWith(Topics.RETRY_PREFIX))
                    .toList();
            assertThat(topics).contains(Topics.ATTEMPTS, Topics.DLQ, Topics.RETRY_PREFIX + "5s");
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().values().forEach(d -> d.partitions()
                    .forEach(part -> latest.put(new TopicPartition(d.name(), part.partition()), OffsetSpec.latest())));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            assertThat(ends).isNotEmpty().allSatisfy((tp, end) -> assertThat(end).as("end offset of %s", tp).isZero());
        } catch (Exception e) {
            throw new AssertionError("Reading the end offsets failed", e);
        }
    }
}
