package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static io.hookrelay.ingest.api.ApiServer.KEY_B;
import static io.hookrelay.ingest.api.ApiServer.OPERATOR_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SubscriptionsApiTest {

    /** A public address (example.com's former one): passes the address rule without a DNS lookup; never called. */
    private static final String PUBLIC_URL = "https://93.184.215.14/hooks/hookrelay";

    private static ApiServer server;
    private static ApiServer allowingPrivate;
    private static ApiClient client;
    private static KafkaTestClient kafka;

    @BeforeAll
    static void start() throws Exception {
        String bootstrap = TestKafka.bootstrap();
        server = ApiServer.start(bootstrap, false, 10_000);
        allowingPrivate = ApiServer.start(bootstrap, true, 10_000);
        client = server.client();
        kafka = new KafkaTestClient(bootstrap);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        allowingPrivate.close();
        server.close();
    }

    private static Map<String, Object> body(String url, List<String> eventTypes) {
        return Map.of("url", url, "event_types", eventTypes,
                "filter", Map.of("brand_id", List.of("brand-1"), "affiliate_id", List.of()),
                "description", "CRM hook", "enabled", true);
    }

    @Test
    void eventTypesListsTheContractsTypesByFamilyAndTheFieldsACreateAccepts() {
        ApiClient.Response r = client.get("/v1/event-types", KEY_A);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("data")).hasSize(11);
        assertThat(r.json().get("data").get(1).get("event_type").asText()).isEqualTo("conversion.ftd");
        assertThat(r.json().get("data").get(1).get("family").asText()).isEqualTo("conversion");
        assertThat(r.json().get("fields").toString()).contains("\"amount\"", "\"tracking.click_id\"", "\"webhook_id\"");
        assertThat(client.get("/v1/event-types", null).status()).isEqualTo(401);
    }

    @Test
    void createsASubscriptionWithItsSecretOnTheTopic() {
        ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A,
                body(PUBLIC_URL, List.of("conversion.ftd", "commission.*")));

        assertThat(r.status()).isEqualTo(201);
        JsonNode s = r.json();
        String id = s.get("id").asText();
        String secret = s.get("secret").asText();
        assertThat(id).startsWith("sub_");
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);
        assertThat(s.get("operator_id").asText()).isEqualTo(OPERATOR_A);
        assertThat(s.get("url").asText()).isEqualTo(PUBLIC_URL);
        assertThat(s.get("event_types")).extracting(JsonNode::asText).containsExactly("conversion.ftd", "commission.*");
        assertThat(s.at("/filter/brand_id/0").asText()).isEqualTo("brand-1");
        assertThat(s.get("description").asText()).isEqualTo("CRM hook");
        assertThat(s.get("enabled").asBoolean()).isTrue();
        assertThat(s.has("created_at")).isTrue();

        ConsumerRecord<String, byte[]> rec = lastRecordOf(id, x -> x != null);
        JsonNode stored = parse(rec.value());
        assertThat(stored.get("secret").asText()).isEqualTo(secret);
        assertThat(stored.get("url").asText()).isEqualTo(PUBLIC_URL);
    }

    @Test
    void listAndGetHideTheSecretWhichHasItsOwnEndpoint() {
        String older = create(KEY_A, PUBLIC_URL).get("id").asText();
        JsonNode created = create(KEY_A, PUBLIC_URL);
        String newer = created.get("id").asText();

        ApiClient.Response list = client.get("/v1/subscriptions", KEY_A);
        assertThat(list.status()).isEqualTo(200);
        List<String> ids = ids(list);
        assertThat(ids).containsSubsequence(newer, older);
        list.json().get("data").forEach(s -> assertThat(s.has("secret")).isFalse());

        ApiClient.Response get = client.get("/v1/subscriptions/" + newer, KEY_A);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.json().get("id").asText()).isEqualTo(newer);
        assertThat(get.json().has("secret")).isFalse();
        assertThat(get.text()).doesNotContain("whsec_");

        ApiClient.Response secret = client.get("/v1/subscriptions/" + newer + "/secret", KEY_A);
        assertThat(secret.status()).isEqualTo(200);
        assertThat(secret.json().get("secret").asText()).isEqualTo(created.get("secret").asText());
    }

    @Test
    void patchesOnlyTheFieldsItNames() {
        JsonNode created = create(KEY_A, PUBLIC_URL);
        String id = created.get("id").asText();

        ApiClient.Response disable = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("enabled", false, "event_types", List.of("*")));
        assertThat(disable.status()).isEqualTo(200);
        assertThat(disable.json().get("enabled").asBoolean()).isFalse();
        assertThat(disable.json().get("disabled_reason").asText()).isEqualTo("disabled through the API");
        assertThat(disable.json().get("event_types")).extracting(JsonNode::asText).containsExactly("*");
        assertThat(disable.json().get("url").asText()).isEqualTo(PUBLIC_URL);
        assertThat(disable.json().get("description").asText()).isEqualTo("CRM hook");
        assertThat(disable.json().has("secret")).isFalse();

        ApiClient.Response enable = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("enabled", true, "description", "renamed"));
        assertThat(enable.status()).isEqualTo(200);
        assertThat(enable.json().get("enabled").asBoolean()).isTrue();
        assertThat(enable.json().has("disabled_reason")).isFalse();
        assertThat(enable.json().get("description").asText()).isEqualTo("renamed");
        assertThat(enable.json().get("event_types")).extracting(JsonNode::asText).containsExactly("*");
        assertThat(enable.json().get("created_at").asText()).isEqualTo(created.get("created_at").asText());

        JsonNode stored = parse(lastRecordOf(id, v -> v != null && parse(v).path("description").asText().equals("renamed"))
                .value());
        assertThat(stored.get("secret").asText()).isEqualTo(created.get("secret").asText());
        assertThat(stored.get("enabled").asBoolean()).isTrue();

        ApiClient.Response bad = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("event_types", List.of()));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error()).isEqualTo("invalid_subscription");
        assertThat(bad.details().get(0).get("field").asText()).isEqualTo("event_types");
    }

    @Test
    void showsTheDefaultLimitsWhenNoneAreGiven() {
        JsonNode created = create(KEY_A, PUBLIC_URL);

        assertThat(created.get("max_in_flight").asInt()).isEqualTo(10);
        assertThat(created.has("rate_limit_per_second")).isTrue();
        assertThat(created.get("rate_limit_per_second").isNull()).isTrue();
        JsonNode got = client.get("/v1/subscriptions/" + created.get("id").asText(), KEY_A).json();
        assertThat(got.get("max_in_flight").asInt()).isEqualTo(10);
        assertThat(got.get("rate_limit_per_second").isNull()).isTrue();
    }

    @Test
    void limitsRoundTripThroughCreateAndPatch() {
        Map<String, Object> body = new java.util.HashMap<>(body(PUBLIC_URL, List.of("*")));
        body.put("max_in_flight", 2);
        body.put("rate_limit_per_second", 5);
        ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("max_in_flight").asInt()).isEqualTo(2);
        assertThat(created.json().get("rate_limit_per_second").asInt()).isEqualTo(5);
        JsonNode stored = parse(lastRecordOf(id, v -> v != null).value());
        assertThat(stored.get("max_in_flight").asInt()).isEqualTo(2);
        assertThat(stored.get("rate_limit_per_second").asInt()).isEqualTo(5);

        // A patch that names neither keeps both.
        ApiClient.Response renamed = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("description", "x"));
        assertThat(renamed.json().get("max_in_flight").asInt()).isEqualTo(2);
        assertThat(renamed.json().get("rate_limit_per_second").asInt()).isEqualTo(5);

        Map<String, Object> change = new java.util.HashMap<>();
        change.put("max_in_flight", 1000);
        change.put("rate_limit_per_second", 100_000);
        ApiClient.Response raised = client.patchJson("/v1/subscriptions/" + id, KEY_A, change);
        assertThat(raised.status()).isEqualTo(200);
        assertThat(raised.json().get("max_in_flight").asInt()).isEqualTo(1000);
        assertThat(raised.json().get("rate_limit_per_second").asInt()).isEqualTo(100_000);

        // null: back to the default in flight, and no rate limit.
        change.put("max_in_flight", null);
        change.put("rate_limit_per_second", null);
        ApiClient.Response cleared = client.patchJson("/v1/subscriptions/" + id, KEY_A, change);
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().get("max_in_flight").asInt()).isEqualTo(10);
        assertThat(cleared.json().get("rate_limit_per_second").isNull()).isTrue();
        JsonNode got = client.get("/v1/subscriptions/" + id, KEY_A).json();
        assertThat(got.get("max_in_flight").asInt()).isEqualTo(10);
        assertThat(got.get("rate_limit_per_second").isNull()).isTrue();
    }

    @Test
    void refusesLimitsOutOfRangeNamingTheField() {
        for (Object bad : List.of(0, 1001, -1, 2.5, "5", true, 4_294_967_296L)) {
            Map<String, Object> body = new java.util.HashMap<>(body(PUBLIC_URL, List.of("*")));
            body.put("max_in_flight", bad);
            ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A, body);
            assertThat(r.status()).as("max_in_flight %s", bad).isEqualTo(400);
            assertThat(r.error()).isEqualTo("invalid_subscription");
            assertThat(fields(r)).containsExactly("max_in_flight");
            assertThat(message(r, "max_in_flight")).contains("an integer from 1 to 1000");
        }
        for (Object bad : List.of(0, 100_001, -5, 0.5, "ten")) {
            Map<String, Object> body = new java.util.HashMap<>(body(PUBLIC_URL, List.of("*")));
            body.put("rate_limit_per_second", bad);
            ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A, body);
            assertThat(r.status()).as("rate_limit_per_second %s", bad).isEqualTo(400);
            assertThat(fields(r)).containsExactly("rate_limit_per_second");
            assertThat(message(r, "rate_limit_per_second")).contains("an integer from 1 to 100000", "null for no limit");
        }
        assertThat(message(client.postJson("/v1/subscriptions", KEY_A, Map.of("url", PUBLIC_URL, "event_types",
                List.of("*"), "max_in_flight", 0)), "max_in_flight")).endsWith("got 0");

        JsonNode created = create(KEY_A, PUBLIC_URL);
        String id = created.get("id").asText();
        ApiClient.Response patch = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("max_in_flight", 1001, "rate_limit_per_second", 0));
        assertThat(patch.status()).isEqualTo(400);
        assertThat(fields(patch)).containsExactlyInAnyOrder("max_in_flight", "rate_limit_per_second");
        assertThat(client.get("/v1/subscriptions/" + id, KEY_A).json().get("max_in_flight").asInt()).isEqualTo(10);
    }

    @Test
    void payloadControlsRoundTripAndAPatchThatDoesNotNameThemKeepsThem() {
        Map<String, Object> body = new java.util.HashMap<>(body(PUBLIC_URL, List.of("*")));
        body.put("where", Map.of("amount", Map.of("gte", "100"), "country", Map.of("in", List.of("BR", "MX"))));
        body.put("fields", List.of("amount", "currency", "tracking.click_id"));
        body.put("player_ref", "hashed");
        ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("where")).isEqualTo(Json.MAPPER.valueToTree(body.get("where")));
        assertThat(created.json().get("fields")).extracting(JsonNode::asText)
                .containsExactly("amount", "currency", "tracking.click_id");
        assertThat(created.json().get("player_ref").asText()).isEqualTo("hashed");
        assertThat(created.json().has("player_ref_key")).isFalse();

        JsonNode stored = parse(lastRecordOf(id, v -> v != null).value());
        assertThat(stored.get("where")).isEqualTo(created.json().get("where"));
        String key = stored.get("player_ref_key").asText();
        assertThat(Base64.getDecoder().decode(key)).hasSize(32);

        ApiClient.Response renamed = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("description", "x"));
        assertThat(renamed.status()).isEqualTo(200);
        ApiClient.Response get = client.get("/v1/subscriptions/" + id, KEY_A);
        for (JsonNode shown : List.of(renamed.json(), get.json())) {
            assertThat(shown.get("where")).isEqualTo(created.json().get("where"));
            assertThat(shown.get("fields")).isEqualTo(created.json().get("fields"));
            assertThat(shown.get("player_ref").asText()).isEqualTo("hashed");
        }
        for (ApiClient.Response r : List.of(renamed, get, client.get("/v1/subscriptions", KEY_A))) {
            assertThat(r.text()).doesNotContain("player_ref_key").doesNotContain(key);
        }
        JsonNode afterPatch = parse(lastRecordOf(id, v -> parse(v).path("description").asText().equals("x")).value());
        assertThat(afterPatch.get("where")).isEqualTo(created.json().get("where"));
        assertThat(afterPatch.get("fields")).isEqualTo(created.json().get("fields"));
        assertThat(afterPatch.get("player_ref_key").asText()).as("the hash key survives a PATCH").isEqualTo(key);

        // null clears each one.
        Map<String, Object> clear = new java.util.HashMap<>();
        clear.put("where", null);
        clear.put("fields", null);
        clear.put("player_ref", null);
        ApiClient.Response cleared = client.patchJson("/v1/subscriptions/" + id, KEY_A, clear);
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().has("where")).isFalse();
        assertThat(cleared.json().has("fields")).isFalse();
        assertThat(cleared.json().has("player_ref")).isFalse();
    }

    @Test
    void refusesBadPayloadControlsNamingTheFieldAndCondition() {
        Map<String, Object> body = new java.util.HashMap<>(body(PUBLIC_URL, List.of("*")));
        body.put("where", Map.of("amount", Map.of("gt", "a lot")));
        body.put("fields", List.of("amount", ""));
        body.put("player_ref", "salted");
        ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A, body);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_subscription");
        assertThat(fields(r)).containsExactlyInAnyOrder("where.amount.gt", "fields[1]", "player_ref");
        assertThat(message(r, "where.amount.gt")).contains("must be a decimal");
        assertThat(message(r, "player_ref")).contains("\"plain\" or \"hashed\"", "'salted'");

        String id = create(KEY_A, PUBLIC_URL).get("id").asText();
        ApiClient.Response patch = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("where", Map.of("country", Map.of("gte", "BR")), "player_ref", 1));
        assertThat(patch.status()).isEqualTo(400);
        assertThat(fields(patch)).containsExactlyInAnyOrder("where.country.gte", "player_ref");
        assertThat(message(patch, "where.country.gte")).contains("amount only");
        assertThat(client.get("/v1/subscriptions/" + id, KEY_A).json().has("where")).isFalse();
    }

    private static final String POSTBACK_TEMPLATE = "https://93.184.215.14/postback?cid={tracking.click_id}"
            + "&payout={amount}&cur={currency}&tx={transaction_id}&status={status}&et={event_type}";

    private static Map<String, Object> postbackBody(String urlTemplate) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("event_types", List.of("*"));
        body.put("mode", "postback");
        body.put("url_template", urlTemplate);
        return body;
    }

    @Test
    void postbackSettingsRoundTripAndAPatchThatDoesNotNameThemKeepsThem() {
        // A JSON body has braces of its own: double braces for the macros.
        String template = POSTBACK_TEMPLATE.replace("{", "{{").replace("}", "}}");
        Map<String, Object> body = postbackBody(template);
        body.put("method", "POST");
        body.put("dialect", "double_braces");
        body.put("body_template", "{\"cid\": \"{{tracking.click_id}}\"}");
        body.put("body_encoding", "json");
        body.put("value_map", Map.of("status", Map.of("approved", "1", "rejected", "2")));
        ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("url").asText()).as("the template's scheme://host").isEqualTo("https://93.184.215.14");

        ApiClient.Response renamed = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("description", "x"));
        assertThat(renamed.status()).isEqualTo(200);
        JsonNode stored = parse(lastRecordOf(id, v -> parse(v).path("description").asText().equals("x")).value());
        for (JsonNode shown : List.of(created.json(), renamed.json(), client.get("/v1/subscriptions/" + id, KEY_A).json(),
                stored)) {
            assertThat(shown.get("mode").asText()).isEqualTo("postback");
            assertThat(shown.get("url_template").asText()).isEqualTo(template);
            assertThat(shown.get("method").asText()).isEqualTo("POST");
            assertThat(shown.get("dialect").asText()).isEqualTo("double_braces");
            assertThat(shown.get("body_template").asText()).isEqualTo("{\"cid\": \"{{tracking.click_id}}\"}");
            assertThat(shown.get("body_encoding").asText()).isEqualTo("json");
            assertThat(shown.get("value_map")).isEqualTo(Json.MAPPER.valueToTree(body.get("value_map")));
        }
    }

    @Test
    void refusesAPostbackTemplateNamingTheMacroAtCreateAndPatch() {
        ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A,
                postbackBody("https://93.184.215.14/postback?cid={tracking.click_id}&payout={payout}"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_subscription");
        assertThat(fields(r)).containsExactly("url_template");
        assertThat(message(r, "url_template")).startsWith("macro {payout} names no event field");

        ApiClient.Response notUrl = client.postJson("/v1/subscriptions", KEY_A, postbackBody("{tracking.click_id}"));
        assertThat(notUrl.status()).isEqualTo(400);
        assertThat(message(notUrl, "url_template")).contains("http(s) URL");

        String id = client.postJson("/v1/subscriptions", KEY_A, postbackBody(POSTBACK_TEMPLATE)).json().get("id").asText();
        ApiClient.Response patch = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("method", "POST", "body_template", "cid={tracking.click_id}&x={nope}"));
        assertThat(patch.status()).isEqualTo(400);
        assertThat(fields(patch)).containsExactly("body_template");
        assertThat(message(patch, "body_template")).startsWith("macro {nope} names no event field");
        // The dialect applies to every template: switching it alone leaves the URL template unreadable.
        ApiClient.Response dialect = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("dialect", "hash"));
        assertThat(fields(dialect)).containsExactly("url_template");
        assertThat(client.get("/v1/subscriptions/" + id, KEY_A).json().has("method")).isFalse();
    }

    @Test
    void refusesAPostbackTemplateWhoseHostIsAMacro() {
        ApiClient.Response r = allowingPrivate.client().postJson("/v1/subscriptions", KEY_A,
                postbackBody("http://{tracking.sub1}:8080/pb?x=1"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_subscription");
        assertThat(fields(r)).containsExactly("url_template");
        assertThat(message(r, "url_template")).startsWith("macro {tracking.sub1} is in the scheme, host or port");
    }

    @Test
    void refusesABadValueMapAndBadSettingsNamingEachField() {
        Map<String, Object> body = postbackBody(POSTBACK_TEMPLATE);
        body.put("value_map", Map.of("payout", Map.of("1", "2")));
        ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A, body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(fields(r)).containsExactly("value_map.payout");
        assertThat(message(r, "value_map.payout")).contains("names no event field");

        body.put("value_map", Map.of("status", Map.of("approved", 1)));
        assertThat(fields(client.postJson("/v1/subscriptions", KEY_A, body))).containsExactly("value_map.status.approved");

        Map<String, Object> method = postbackBody(POSTBACK_TEMPLATE);
        method.put("method", "PUT");
        assertThat(fields(client.postJson("/v1/subscriptions", KEY_A, method))).containsExactly("method");
        Map<String, Object> dialect = postbackBody(POSTBACK_TEMPLATE);
        dialect.put("dialect", "angle");
        assertThat(fields(client.postJson("/v1/subscriptions", KEY_A, dialect))).containsExactly("dialect");
        Map<String, Object> mode = postbackBody(POSTBACK_TEMPLATE);
        mode.put("mode", "xml");
        assertThat(fields(client.postJson("/v1/subscriptions", KEY_A, mode))).contains("mode");
    }

    @Test
    void deletesWithATombstone() {
        String id = create(KEY_A, PUBLIC_URL).get("id").asText();

        ApiClient.Response r = client.delete("/v1/subscriptions/" + id, KEY_A);

        assertThat(r.status()).isEqualTo(204);
        assertThat(r.text()).isEmpty();
        assertThat(lastRecordOf(id, v -> v == null).value()).isNull();
        ApiClient.Response after = client.get("/v1/subscriptions/" + id, KEY_A);
        assertThat(after.status()).isEqualTo(404);
        assertThat(after.error()).isEqualTo("not_found");
        assertThat(after.message()).contains(id);
        assertThat(ids(client.get("/v1/subscriptions", KEY_A))).doesNotContain(id);
    }

    @Test
    void refusesPrivateTargetsUnlessAllowed() {
        ApiClient.Response refused = client.postJson("/v1/subscriptions", KEY_A,
                body("http://127.0.0.1:9999/hook", List.of("*")));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.error()).isEqualTo("invalid_subscription");
        assertThat(refused.details()).hasSize(1);
        assertThat(refused.details().get(0).get("field").asText()).isEqualTo("url");
        assertThat(refused.details().get(0).get("message").asText())
                .contains("127.0.0.1", "WEBHOOKS_ALLOW_PRIVATE_TARGETS=true");

        ApiClient.Response ftp = client.postJson("/v1/subscriptions", KEY_A, body("ftp://93.184.215.14/x", List.of("*")));
        assertThat(ftp.status()).isEqualTo(400);
        assertThat(ftp.details().get(0).get("message").asText()).contains("http or https");

        ApiClient.Response allowed = allowingPrivate.client().postJson("/v1/subscriptions", KEY_A,
                body("http://127.0.0.1:9999/hook", List.of("*")));
        assertThat(allowed.status()).isEqualTo(201);
        assertThat(allowed.json().get("url").asText()).isEqualTo("http://127.0.0.1:9999/hook");
    }

    @Test
    void refusesAddressesEmbeddingAPrivateOneAtCreateAndPatch() {
        for (String url : List.of("http://[::127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a00:1]/",
                "http://[64:ff9b::a9fe:a9fe]/latest/meta-data", "http://[2002:a9fe:a9fe::1]/",
                "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://255.255.255.255/", "http://[fec0::1]/")) {
            ApiClient.Response created = client.postJson("/v1/subscriptions", KEY_A, body(url, List.of("*")));
            assertThat(created.status()).as(url).isEqualTo(400);
            assertThat(created.details().get(0).get("field").asText()).isEqualTo("url");
            assertThat(created.details().get(0).get("message").asText()).as(url)
                    .startsWith("resolves to ").contains("WEBHOOKS_ALLOW_PRIVATE_TARGETS=true");
        }
        String id = client.postJson("/v1/subscriptions", KEY_A, body(PUBLIC_URL, List.of("*"))).json().get("id").asText();
        ApiClient.Response patched = client.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("url", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data"));
        assertThat(patched.status()).isEqualTo(400);
        assertThat(patched.details().get(0).get("message").asText())
                .contains("a NAT64 address embedding 169.254.169.254, a link-local address");
    }

    @Test
    void refusesNumericHostsResolversReadDifferentlyEvenWhenPrivateTargetsAreAllowed() {
        ApiClient allowing = allowingPrivate.client();
        for (String url : List.of("http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://0x7f000001/",
                "http://2130706433/", "http://127.1/", "http://10.1/")) {
            ApiClient.Response created = allowing.postJson("/v1/subscriptions", KEY_A, body(url, List.of("*")));
            assertThat(created.status()).as(url).isEqualTo(400);
            assertThat(created.error()).isEqualTo("invalid_subscription");
            assertThat(created.details().get(0).get("field").asText()).isEqualTo("url");
            assertThat(created.details().get(0).get("message").asText()).as(url)
                    .contains("a numeric address in a form that resolvers read differently");
        }
        String id = allowing.postJson("/v1/subscriptions", KEY_A, body("http://127.0.0.1:9999/hook", List.of("*")))
                .json().get("id").asText();
        ApiClient.Response patched = allowing.patchJson("/v1/subscriptions/" + id, KEY_A,
                Map.of("url", "http://0177.0.0.1:9999/hook"));
        assertThat(patched.status()).isEqualTo(400);
        assertThat(patched.details().get(0).get("field").asText()).isEqualTo("url");
    }

    @Test
    void refusesBodiesThatAreNotUtf8JsonOnCreateAndPatchAsInvalidJson() {
        byte[] utf32ish = {'{', 0, 0, 0, '"', 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f};
        byte[] overlong = {'{', '"', 'u', 'r', 'l', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'};
        String id = client.postJson("/v1/subscriptions", KEY_A, body(PUBLIC_URL, List.of("*"))).json().get("id").asText();
        for (byte[] bad : List.of(utf32ish, overlong)) {
            ApiClient.Response created = client.send("POST", "/v1/subscriptions", KEY_A, "application/json", bad);
            ApiClient.Response patched = client.send("PATCH", "/v1/subscriptions/" + id, KEY_A, "application/json", bad);
            for (ApiClient.Response r : List.of(created, patched)) {
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.error()).isEqualTo("invalid_json");
                assertThat(r.message()).startsWith("The request body is not valid");
            }
        }
        ApiClient.Response duplicate = client.send("POST", "/v1/subscriptions", KEY_A, "application/json",
                ("{\"url\": \"" + PUBLIC_URL + "\", \"url\": \"http://10.0.0.1/\", \"event_types\": [\"*\"]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(duplicate.error()).isEqualTo("invalid_json");
        assertThat(duplicate.message()).contains("Duplicate field 'url'");
    }

    @Test
    void refusesInvalidFieldsNamingEachOne() {
        ApiClient.Response r = client.postJson("/v1/subscriptions", KEY_A, Map.of(
                "url", PUBLIC_URL,
                "event_types", List.of("conversion.ftd", "conversion.refund"),
                "filter", Map.of("brand_id", List.of(7), "country", List.of("DE")),
                "secret", "whsec_mine",
                "colour", "blue"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_subscription");
        assertThat(r.message()).contains("The subscription is invalid");
        assertThat(fields(r)).containsExactlyInAnyOrder("event_types[1]", "filter.brand_id[0]", "filter.country",
                "secret", "colour");
        assertThat(message(r, "event_types[1]")).contains("'conversion.refund'", "conversion.*");
        assertThat(message(r, "secret")).contains("set by the service");
        assertThat(message(r, "colour")).contains("not a subscription field");

        ApiClient.Response missing = client.postJson("/v1/subscriptions", KEY_A, Map.of("description", "x"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(fields(missing)).containsExactlyInAnyOrder("url", "event_types");

        ApiClient.Response notJson = client.send("POST", "/v1/subscriptions", KEY_A, "text/plain", "{}".getBytes());
        assertThat(notJson.status()).isEqualTo(415);
    }

    @Test
    void anotherOperatorsSubscriptionIsNotFound() {
        JsonNode created = create(KEY_A, PUBLIC_URL);
        String id = created.get("id").asText();
        String path = "/v1/subscriptions/" + id;

        for (ApiClient.Response r : List.of(client.get(path, KEY_B), client.get(path + "/secret", KEY_B),
                client.patchJson(path, KEY_B, Map.of("enabled", false)), client.delete(path, KEY_B),
                client.postJson(path + "/secret/rotate", KEY_B, Map.of()))) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.error()).isEqualTo("not_found");
            assertThat(r.text()).doesNotContain("whsec_");
        }
        assertThat(ids(client.get("/v1/subscriptions", KEY_B))).doesNotContain(id);

        // B's attempts changed nothing.
        ApiClient.Response own = client.get(path, KEY_A);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().get("enabled").asBoolean()).isTrue();
        assertThat(client.get(path + "/secret", KEY_A).json().get("secret").asText())
                .isEqualTo(created.get("secret").asText());
        assertThat(client.get("/v1/subscriptions/sub_doesnotexist", KEY_B).status()).isEqualTo(404);
        assertThat(client.postJson("/v1/subscriptions/sub_doesnotexist/secret/rotate", KEY_A, Map.of()).status())
                .isEqualTo(404);
    }

    @Test
    void rotatingTheSecretAnswersANewOneAndKeepsTheOldOneForTheGrace() {
        JsonNode created = create(KEY_A, PUBLIC_URL);
        String id = created.get("id").asText();
        String oldSecret = created.get("secret").asText();

        ApiClient.Response rotated = client.postJson("/v1/subscriptions/" + id + "/secret/rotate", KEY_A, Map.of());

        assertThat(rotated.status()).isEqualTo(200);
        String newSecret = rotated.json().get("secret").asText();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
        Instant expiresAt = Instant.parse(rotated.json().get("previous_secret_expires_at").asText());
        assertThat(client.get("/v1/subscriptions/" + id + "/secret", KEY_A).json().get("secret").asText())
                .isEqualTo(newSecret);
        JsonNode stored = parse(lastRecordOf(id, v -> parse(v).path("secret").asText().equals(newSecret)).value());
        assertThat(stored.get("previous_secret").asText()).isEqualTo(oldSecret);
        assertThat(Instant.parse(stored.get("previous_secret_expires_at").asText())).isEqualTo(expiresAt);
        assertThat(Duration.between(Instant.parse(stored.get("updated_at").asText()), expiresAt))
                .isEqualTo(ApiServer.ROTATION_GRACE);

        // Neither secret shows in list or get; a PATCH keeps the rotation going.
        ApiClient.Response patched = client.patchJson("/v1/subscriptions/" + id, KEY_A, Map.of("description", "x"));
        assertThat(patched.status()).isEqualTo(200);
        ApiClient.Response get = client.get("/v1/subscriptions/" + id, KEY_A);
        ApiClient.Response list = client.get("/v1/subscriptions", KEY_A);
        for (ApiClient.Response r : List.of(rotated, patched, get, list)) {
            assertThat(r.text()).doesNotContain(oldSecret).doesNotContain("\"previous_secret\"");
        }
        for (ApiClient.Response r : List.of(patched, get, list)) {
            assertThat(r.text()).doesNotContain("whsec_");
        }
        assertThat(Instant.parse(get.json().get("previous_secret_expires_at").asText())).isEqualTo(expiresAt);
        JsonNode afterPatch = parse(lastRecordOf(id, v -> parse(v).path("description").asText().equals("x")).value());
        assertThat(afterPatch.get("previous_secret").asText()).isEqualTo(oldSecret);
    }

    private static JsonNode create(String key, String url) {
        ApiClient.Response r = client.postJson("/v1/subscriptions", key, body(url, List.of("*")));
        assertThat(r.status()).isEqualTo(201);
        return r.json();
    }

    private static List<String> ids(ApiClient.Response list) {
        assertThat(list.status()).isEqualTo(200);
        return list.json().get("data").findValuesAsText("id");
    }

    private static List<String> fields(ApiClient.Response r) {
        return r.details().findValuesAsText("field");
    }

    private static String message(ApiClient.Response r, String field) {
        for (JsonNode d : r.details()) {
            if (d.get("field").asText().equals(field)) {
                return d.get("message").asText();
            }
        }
        throw new AssertionError("no detail for " + field + " in " + r.text());
    }

    /** The latest record of subscription {@code id} on the topic, once its value satisfies {@code value}. */
    private static ConsumerRecord<String, byte[]> lastRecordOf(String id, java.util.function.Predicate<byte[]> value) {
        List<ConsumerRecord<String, byte[]>> records = kafka.readUntil(Topics.SUBSCRIPTIONS,
                l -> last(l, id) != null && value.test(last(l, id).value()), Duration.ofSeconds(30));
        ConsumerRecord<String, byte[]> rec = last(records, id);
        assertThat(rec).as("record of " + id).isNotNull();
        assertThat(value.test(rec.value())).as("latest record of " + id).isTrue();
        return rec;
    }

    private static ConsumerRecord<String, byte[]> last(List<ConsumerRecord<String, byte[]>> records, String id) {
        ConsumerRecord<String, byte[]> out = null;
        for (ConsumerRecord<String, byte[]> r : records) {
            if (id.equals(r.key())) {
                out = r;
            }
        }
        return out;
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return Json.tree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
