package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static io.hookrelay.ingest.api.ApiServer.OPERATOR_A;
import static io.hookrelay.ingest.api.ApiServer.OPERATOR_B;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.event.EventValidator;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EventsApiTest {

    private static ApiServer server;
    private static ApiClient client;
    private static KafkaTestClient kafka;

    @BeforeAll
    static void start() throws Exception {
        String bootstrap = TestKafka.bootstrap();
        server = ApiServer.start(bootstrap, false, 10_000);
        client = server.client();
        kafka = new KafkaTestClient(bootstrap);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        server.close();
    }

    private static String id() {
        return "evt-" + UUID.randomUUID();
    }

    @Test
    void refusesRequestsWithoutAValidBearerKey() {
        ObjectNode event = TestEvents.ftd(id(), OPERATOR_A, "p-1");

        ApiClient.Response missing = client.postWithAuthorization("/v1/events", null, event);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.error()).isEqualTo("unauthorized");
        assertThat(missing.message()).contains("Missing Authorization header");

        ApiClient.Response basic = client.postWithAuthorization("/v1/events", "Basic " + KEY_A, event);
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.error()).isEqualTo("unauthorized");
        assertThat(basic.message()).contains("Bearer scheme");

        ApiClient.Response unknown = client.postWithAuthorization("/v1/events", "Bearer not-a-key-0123456789", event);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.error()).isEqualTo("unauthorized");
        assertThat(unknown.message()).isEqualTo("Unknown API key");
        assertThat(unknown.text()).doesNotContain("not-a-key");
    }

    @Test
    void refusesAnEventOfAnotherOperatorAndWritesNothing() {
        String own = id();
        String foreign = id();
        ArrayNode batch = Json.MAPPER.createArrayNode()
                .add(TestEvents.ftd(own, OPERATOR_A, "p-1"))
                .add(TestEvents.ftd(foreign, OPERATOR_B, "p-2"));

        ApiClient.Response r = client.postJson("/v1/events", KEY_A, batch);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isEqualTo("forbidden");
        assertThat(r.message()).contains("1 of 2 events", "'" + OPERATOR_A + "'", "nothing was accepted");
        assertThat(r.details()).hasSize(1);
        assertThat(r.details().get(0).get("index").asInt()).isEqualTo(1);
        assertThat(r.details().get(0).get("field").asText()).isEqualTo("operator_id");
        assertThat(r.details().get(0).get("message").asText()).contains("'" + OPERATOR_B + "'");
        assertNeverWritten(Topics.EVENTS_CONVERSION, own, foreign);
    }

    @Test
    void refusesABodyOverOneMebibyteWithItsSize() {
        byte[] big = oversizedBatch();

        ApiClient.Response declared = client.send("POST", "/v1/events", KEY_A, "application/json", big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.error()).isEqualTo("payload_too_large");
        assertThat(declared.message()).contains(big.length + " bytes", "limit of 1048576 bytes (1 MiB)");

        // Without a Content-Length the server reads up to the limit and stops there.
        ApiClient.Response chunked = client.postChunked("/v1/events", KEY_A, big);
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(chunked.error()).isEqualTo("payload_too_large");
        assertThat(chunked.message()).contains("larger than 1048576 bytes", "limit of 1048576 bytes (1 MiB)");
    }

    @Test
    void everySenderOfAnOversizedBodyGetsThe413NotAResetConnection() {
        byte[] big = oversizedBatch();

        // Answered and closed with the body unread, about one in twenty of these saw "broken pipe"
        // or "header parser received no bytes" instead: the server now reads the body to its end first.
        for (int i = 0; i < 100; i++) {
            assertThat(client.send("POST", "/v1/events", KEY_A, "application/json", big).status()).isEqualTo(413);
            assertThat(client.postChunked("/v1/events", KEY_A, big).status()).isEqualTo(413);
        }
    }

    @Test
    void aSenderWaitingForTheGoAheadGetsThe413InsteadAndSendsNothing() throws Exception {
        // By hand: java.net.http in JDK 17 waits forever when the answer to Expect is not 100.
        try (Socket socket = new Socket("localhost", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY_A
                    + "\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();

            assertThat(statusLine).isEqualTo("HTTP/1.1 413 Payload Too Large");
        }
    }

    @Test
    void acceptsABodyOfExactlyOneMebibyte() {
        String eventId = id();
        byte[] event = Json.bytes(TestEvents.ftd(eventId, OPERATOR_A, "p-1"));
        // Pad with JSON whitespace up to the limit: the limit is inclusive.
        byte[] body = Arrays.copyOf(event, 1_048_576);
        Arrays.fill(body, event.length, body.length, (byte) ' ');

        ApiClient.Response r = client.send("POST", "/v1/events", KEY_A, "application/json", body);

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("event_ids").get(0).asText()).isEqualTo(eventId);
    }

    @Test
    void refusesContentTypesOtherThanJson() {
        byte[] body = Json.bytes(TestEvents.ftd(id(), OPERATOR_A, "p-1"));

        ApiClient.Response text = client.send("POST", "/v1/events", KEY_A, "text/plain", body);
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.error()).isEqualTo("unsupported_media_type");
        assertThat(text.message()).contains("'text/plain'", "application/json");

        ApiClient.Response none = client.send("POST", "/v1/events", KEY_A, null, body);
        assertThat(none.status()).isEqualTo(415);
        assertThat(none.error()).isEqualTo("unsupported_media_type");

        ApiClient.Response latin1 = client.send("POST", "/v1/events", KEY_A, "application/json; charset=ISO-8859-1", body);
        assertThat(latin1.status()).isEqualTo(415);
        assertThat(latin1.message()).contains("UTF-8");

        ApiClient.Response utf8 = client.send("POST", "/v1/events", KEY_A, "application/json; charset=utf-8", body);
        assertThat(utf8.status()).isEqualTo(202);
    }

    @Test
    void refusesInvalidUtf8InsideAStringNamingTheByteOffset() {
        for (byte[] bad : List.of(new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
                new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            String json = Json.string(TestEvents.ftd(id(), OPERATOR_A, "MARK"));
            int at = json.indexOf("MARK");
            byte[] head = json.substring(0, at).getBytes(StandardCharsets.UTF_8);
            byte[] tail = json.substring(at + 4).getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(bad, 0, body, head.length, bad.length);
            System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);

            ApiClient.Response r = client.send("POST", "/v1/events", KEY_A, "application/json", body);

            assertThat(r.status()).isEqualTo(400);
            assertThat(r.error()).isEqualTo("invalid_json");
            assertThat(r.message()).startsWith("The request body is not valid UTF-8 at byte offset " + head.length
                    + ": the byte 0x" + String.format("%02X", bad[0] & 0xff) + " there is not part of a valid UTF-8 character");
        }
    }

    @Test
    void refusesABodyThatLooksLikeUtf32AsInvalidJsonNotAsAServerError() {
        byte[] utf32ish = {'{', 0, 0, 0, '"', 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f};

        ApiClient.Response r = client.send("POST", "/v1/events", KEY_A, "application/json", utf32ish);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_json");
        assertThat(r.message()).startsWith("The request body is not valid");
    }

    @Test
    void refusesUnparseableJsonNamingWhereItBreaks() {
        byte[] body = "{\"event_id\": \"e1\",\n \"event_type\": }".getBytes(StandardCharsets.UTF_8);

        ApiClient.Response r = client.send("POST", "/v1/events", KEY_A, "application/json", body);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_json");
        assertThat(r.message()).contains("not valid JSON", "line 2, column");

        ApiClient.Response trailing = client.postJson("/v1/events", KEY_A, "{} {}");
        assertThat(trailing.status()).isEqualTo(400);
        assertThat(trailing.error()).isEqualTo("invalid_json");
    }

    @Test
    void refusesEmptyAndOversizedBatches() {
        ApiClient.Response empty = client.postJson("/v1/events", KEY_A, "[]");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.error()).isEqualTo("invalid_request");
        assertThat(empty.message()).contains("empty");

        ArrayNode tooMany = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 501; i++) {
            tooMany.add(TestEvents.kyc(id(), OPERATOR_A, "p-" + i));
        }
        ApiClient.Response over = client.postJson("/v1/events", KEY_A, tooMany);
        assertThat(over.status()).isEqualTo(400);
        assertThat(over.error()).isEqualTo("invalid_request");
        assertThat(over.message()).contains("501 events", "limit of 500");
    }

    @Test
    void reportsEveryBadFieldOfTheWholeBatchAndWritesNothing() {
        List<String> ids = List.of(id(), id(), id(), id());
        ObjectNode floatAmount = TestEvents.ftd(ids.get(1), OPERATOR_A, "p-1");
        floatAmount.put("amount", 125.5);
        ObjectNode twoProblems = TestEvents.kyc(ids.get(3), OPERATOR_A, "p-3");
        twoProblems.put("status", "done");
        twoProblems.put("shoe_size", "44");
        ArrayNode batch = Json.MAPPER.createArrayNode()
                .add(TestEvents.ftd(ids.get(0), OPERATOR_A, "p-0"))
                .add(floatAmount)
                .add(TestEvents.kyc(ids.get(2), OPERATOR_A, "p-2"))
                .add(twoProblems);

        ApiClient.Response r = client.postJson("/v1/events", KEY_A, batch);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_event");
        assertThat(r.message()).contains("2 of 4 events are invalid", "[1] amount");
        List<String> details = new ArrayList<>();
        r.details().forEach(d -> details.add(d.get("index").asInt() + " " + d.get("field").asText()));
        assertThat(details).containsExactlyInAnyOrder("1 amount", "3 status", "3 shoe_size");
        assertThat(detail(r, 1, "amount").get("message").asText()).contains("must be a decimal string such as \"125.50\", never a number");
        assertThat(detail(r, 3, "status").get("message").asText()).contains("pending", "approved");
        assertThat(detail(r, 3, "shoe_size").get("message").asText()).contains("not a field of kyc events");
        assertNeverWritten(Topics.EVENTS_CONVERSION, ids.get(0), ids.get(1));
        assertNeverWritten(Topics.EVENTS_KYC, ids.get(2), ids.get(3));
    }

    @Test
    void producesABatchAcrossFamiliesAfterKafkaAcknowledgedIt() {
        ObjectNode ftd = TestEvents.ftd(id(), OPERATOR_A, "p-10");
        ObjectNode kyc = TestEvents.kyc(id(), OPERATOR_A, "p-11");
        ObjectNode deposit = TestEvents.deposit(id(), OPERATOR_A, "p-10");
        ArrayNode batch = Json.MAPPER.createArrayNode().add(ftd).add(kyc).add(deposit);

        ApiClient.Response r = client.postJson("/v1/events", KEY_A, batch);

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(3);
        assertThat(r.json().get("event_ids")).extracting(JsonNode::asText)
                .containsExactly(id(ftd), id(kyc), id(deposit));
        List<ConsumerRecord<String, byte[]>> conversions = read(Topics.EVENTS_CONVERSION, id(ftd), id(deposit));
        List<ConsumerRecord<String, byte[]>> kycs = read(Topics.EVENTS_KYC, id(kyc));
        assertWrittenAsCanonical(conversions, ftd, "p-10");
        assertWrittenAsCanonical(conversions, deposit, "p-10");
        assertWrittenAsCanonical(kycs, kyc, "p-11");
        // Same player, same key, same partition: Kafka keeps the ftd before the deposit.
        assertThat(conversions).extracting(rec -> eventId(rec)).containsSubsequence(id(ftd), id(deposit));
    }

    @Test
    void producesASingleAffiliateEventKeyedByAffiliate() {
        ObjectNode event = TestEvents.affiliateStatus(id(), OPERATOR_A, "aff-42");

        ApiClient.Response r = client.postJson("/v1/events", KEY_A, event);

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(r.json().get("event_ids").get(0).asText()).isEqualTo(id(event));
        ConsumerRecord<String, byte[]> rec = read(Topics.EVENTS_AFFILIATE, id(event)).stream()
                .filter(x -> id(event).equals(eventId(x))).findFirst().orElseThrow();
        assertThat(rec.key()).isEqualTo("aff-42");
        assertThat(server.metrics.scrape()).containsPattern("hookrelay_ingest_events_total\\{outcome=\"accepted\"\\} [1-9]");
    }

    private static JsonNode detail(ApiClient.Response r, int index, String field) {
        for (JsonNode d : r.details()) {
            if (d.get("index").asInt() == index && d.get("field").asText().equals(field)) {
                return d;
            }
        }
        throw new AssertionError("no detail for index " + index + " field " + field + " in " + r.text());
    }

    private static void assertWrittenAsCanonical(List<ConsumerRecord<String, byte[]>> records, ObjectNode sent, String key) {
        ConsumerRecord<String, byte[]> rec = records.stream().filter(x -> id(sent).equals(eventId(x))).findFirst()
                .orElseThrow(() -> new AssertionError(id(sent) + " not on the topic"));
        JsonNode written = parse(rec.value());
        assertThat(rec.key()).isEqualTo(key);
        assertThat(KafkaTestClient.header(rec, "content-type")).isEqualTo("application/json");
        assertThat(written).isEqualTo(new EventValidator(java.time.Clock.systemUTC()).validate(sent, null).canonical());
        assertThat(written.get("occurred_at").asText()).isEqualTo("2026-11-27T10:15:30Z");
        assertThat(written.get("is_test").asBoolean()).isFalse();
    }

    /**
     * Proves a refused request wrote nothing: a valid event sent afterwards through the same producer
     * is read back, and none of {@code ids} is on the topic by then.
     */
    private static void assertNeverWritten(String topic, String... ids) {
        List<String> markers = new ArrayList<>();
        // One marker per player the refused events had, so every partition they would be on gets one.
        for (String player : List.of("p-0", "p-1", "p-2", "p-3")) {
            ObjectNode marker = topic.equals(Topics.EVENTS_KYC) ? TestEvents.kyc(id(), OPERATOR_A, player)
                    : TestEvents.ftd(id(), OPERATOR_A, player);
            assertThat(client.postJson("/v1/events", KEY_A, marker).status()).isEqualTo(202);
            markers.add(id(marker));
        }
        List<ConsumerRecord<String, byte[]>> records = read(topic, markers.toArray(String[]::new));
        assertThat(records.stream().map(EventsApiTest::eventId).collect(Collectors.toSet())).doesNotContain(ids);
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic, String... ids) {
        Set<String> wanted = Set.of(ids);
        List<ConsumerRecord<String, byte[]>> records = kafka.readUntil(topic,
                l -> l.stream().map(EventsApiTest::eventId).collect(Collectors.toSet()).containsAll(wanted),
                Duration.ofSeconds(30));
        assertThat(records.stream().map(EventsApiTest::eventId).toList()).containsAll(wanted);
        return records;
    }

    private static String id(JsonNode event) {
        return event.get("event_id").asText();
    }

    private static String eventId(ConsumerRecord<String, byte[]> rec) {
        return parse(rec.value()).path("event_id").asText();
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return Json.tree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A valid-looking batch just over 1 MiB. */
    private static byte[] oversizedBatch() {
        ObjectNode e = TestEvents.ftd(id(), OPERATOR_A, "p-1");
        e.put("brand_id", "b".repeat(4000));
        int count = 1_048_576 / Json.bytes(e).length + 1;
        ArrayNode batch = Json.MAPPER.createArrayNode();
        for (int i = 0; i < count; i++) {
            batch.add(e);
        }
        byte[] body = Json.bytes(batch);
        assertThat(body.length).isGreaterThan(1_048_576);
        return body;
    }
}
