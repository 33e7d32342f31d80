package io.hookrelay.ingest.stream;

import static io.hookrelay.ingest.stream.IngestHarness.copiesOf;
import static io.hookrelay.ingest.stream.IngestHarness.json;
import static io.hookrelay.ingest.stream.SampleEvents.affiliateAvro;
import static io.hookrelay.ingest.stream.SampleEvents.bytes;
import static io.hookrelay.ingest.stream.SampleEvents.conversionAvro;
import static io.hookrelay.ingest.stream.SampleEvents.conversionJson;
import static io.hookrelay.ingest.stream.SampleEvents.kycAvro;
import static io.hookrelay.testing.KafkaTestClient.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestStreamsAppTest {

    private static final String JSON = "application/json";

    @TempDir
    static Path dataDir;
    static IngestHarness harness;

    @BeforeAll
    static void start() {
        harness = IngestHarness.start(dataDir);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void acceptsJsonAndAvroEventsAsCanonicalJsonKeyedByOrderingKey() throws Exception {
        harness.produce(Topics.EVENTS_CONVERSION, 0, "producer-key", bytes(conversionJson("op-1", "ok-json")),
                WireHeaders.CONTENT_TYPE, JSON, "trace-id", "t-1");
        harness.produce(Topics.EVENTS_CONVERSION, 1, null, bytes(conversionAvro("op-1", "ok-avro").build()));
        harness.produce(Topics.EVENTS_AFFILIATE, 0, "aff-ok-affiliate", bytes(affiliateAvro("op-1", "ok-affiliate").build()));

        List<ConsumerRecord<String, byte[]>> accepted = harness.readAcceptedUntil(r ->
                copiesOf(r, "op-1", "ok-json").size() == 1 && copiesOf(r, "op-1", "ok-avro").size() == 1
                        && copiesOf(r, "op-1", "ok-affiliate").size() == 1);

        ConsumerRecord<String, byte[]> fromJson = single(copiesOf(accepted, "op-1", "ok-json"));
        assertThat(fromJson.key()).isEqualTo("p-ok-json");
        assertThat(json(fromJson.value())).isEqualTo(Json.tree("""
                {"event_id": "ok-json", "event_type": "conversion.ftd", "occurred_at": "2026-11-27T10:15:30Z",
                 "operator_id": "op-1", "brand_id": "brand-7", "affiliate_id": "aff-42", "player_ref": "p-ok-json",
                 "tracking": {"click_id": "clk-1"}, "is_test": false, "transaction_id": "tx-ok-json",
                 "amount": "125.50", "currency": "EUR", "deposit_count": 1}
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(header(fromJson, WireHeaders.CONTENT_TYPE)).isEqualTo(JSON);
        assertThat(header(fromJson, "trace-id")).as("operator headers stay on events.*").isNull();

        ConsumerRecord<String, byte[]> fromAvro = single(copiesOf(accepted, "op-1", "ok-avro"));
        assertThat(fromAvro.key()).isEqualTo("p-ok-avro");
        assertThat(json(fromAvro.value())).isEqualTo(Json.tree("""
                {"event_id": "ok-avro", "event_type": "conversion.deposit", "occurred_at": "2026-11-27T10:15:30Z",
                 "operator_id": "op-1", "affiliate_id": "aff-42", "player_ref": "p-ok-avro", "tracking": {},
                 "is_test": false, "transaction_id": "tx-ok-avro", "amount": "20.00", "currency": "USD"}
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(header(fromAvro, WireHeaders.CONTENT_TYPE)).isEqualTo(JSON);

        ConsumerRecord<String, byte[]> affiliate = single(copiesOf(accepted, "op-1", "ok-affiliate"));
        assertThat(affiliate.key()).as("affiliate events are keyed by affiliate_id").isEqualTo("aff-ok-affiliate");
        assertThat(json(affiliate.value()).get("event_type").asText()).isEqualTo("affiliate.status_changed");
    }

    @Test
    void readsJsonWhenContentTypeHasOtherCaseOrParameters() {
        harness.produce(Topics.EVENTS_CONVERSION, 1, null, bytes(conversionJson("op-1", "ok-charset")),
                "Content-Type", "Application/JSON; charset=utf-8");

        assertThat(copiesOf(harness.readAcceptedUntilCopies("op-1", "ok-charset", 1), "op-1", "ok-charset")).hasSize(1);
    }

    @Test
    void rejectsEachPoisonRecordWithItsReasonWhileGoodRecordsAroundItFlow() {
        ObjectNode missingMoney = conversionJson("op-1", "bad-missing");
        missingMoney.remove(List.of("amount", "currency"));
        byte[] avro = bytes(conversionAvro("op-1", "bad-avro").build());
        byte[] unknownSchema = Arrays.copyOf(avro, avro.length);
        Arrays.fill(unknownSchema, 2, 10, (byte) 0x42);
        List<Poison> poisons = List.of(
                new Poison("not-json", utf8("not json at all"), JSON,
                        "invalid JSON: Unrecognized token 'not': was expecting", "invalid_json"),
                new Poison("wrong-shape", utf8("[1, 2, 3]"), JSON,
                        "(event): must be a JSON object, got an array", "invalid_field"),
                new Poison("neither", new byte[] {0x00, 0x01, 'h', 'i'}, null,
                        "not Avro single-object encoding: first two bytes are 0x00 0x01, expected 0xc3 0x01", "not_avro"),
                new Poison("kyc-as-conversion", bytes(kycAvro("op-1", "bad-kyc").build()), null,
                        "an Avro kyc event cannot be produced to events.conversion; produce it to events.kyc",
                        "wrong_family"),
                new Poison("missing-fields", bytes(missingMoney), JSON,
                        "amount: is required; currency: is required", "invalid_field"),
                new Poison("json-without-header", bytes(conversionJson("op-1", "bad-no-header")), null,
                        "(this looks like JSON; JSON events need the header content-type: application/json)", "not_avro"),
                new Poison("two-events", concat(bytes(conversionJson("op-1", "bad-1")), bytes(conversionJson("op-1", "bad-2"))),
                        JSON, "invalid JSON: Trailing token", "invalid_json"),
                new Poison("unknown-schema", unknownSchema, null, EventDecoder.UNKNOWN_FINGERPRINT + " 0x4242424242424242",
                        "unknown_schema"),
                new Poison("truncated-avro", Arrays.copyOf(avro, 12), null, "truncated record", "invalid_avro"),
                new Poison("not-utf8", invalidUtf8Event(), JSON,
                        "invalid JSON: not valid UTF-8 at byte offset ", "invalid_json"),
                new Poison("tombstone", null, null, "the record has no value", "no_value"));

        // One partition, so "before" and "after" are the order the app reads them in.
        harness.produce(Topics.EVENTS_CONVERSION, 0, "good", bytes(conversionJson("op-1", "good-before")),
                WireHeaders.CONTENT_TYPE, JSON);
        List<RecordMetadata> sent = new ArrayList<>();
        for (Poison p : poisons) {
            sent.add(p.contentType == null
                    ? harness.produce(Topics.EVENTS_CONVERSION, 0, p.key, p.value, "trace-id", "t-" + p.key)
                    : harness.produce(Topics.EVENTS_CONVERSION, 0, p.key, p.value, "trace-id", "t-" + p.key,
                            WireHeaders.CONTENT_TYPE, p.contentType));
        }
        harness.produce(Topics.EVENTS_CONVERSION, 0, "good", bytes(conversionJson("op-1", "good-after")),
                WireHeaders.CONTENT_TYPE, JSON);

        List<ConsumerRecord<String, byte[]>> accepted = harness.readAcceptedUntilCopies("op-1", "good-after", 1);
        assertThat(copiesOf(accepted, "op-1", "good-before")).hasSize(1);
        assertThat(copiesOf(accepted, "op-1", "good-after")).hasSize(1);
        List<ConsumerRecord<String, byte[]>> rejected = harness.client.readUntil(Topics.EVENTS_REJECTED,
                r -> poisons.stream().allMatch(p -> withKey(r, p.key) != null), IngestHarness.WAIT);
        for (int i = 0; i < poisons.size(); i++) {
            Poison p = poisons.get(i);
            ConsumerRecord<String, byte[]> r = withKey(rejected, p.key);
            assertThat(r).as("rejection of %s", p.key).isNotNull();
            assertThat(header(r, WireHeaders.ERROR)).as("error of %s", p.key).contains(p.expectedError);
            assertThat(r.value()).as("value of %s", p.key).isEqualTo(p.value);
            assertThat(header(r, "trace-id")).isEqualTo("t-" + p.key);
            assertThat(header(r, WireHeaders.CONTENT_TYPE)).isEqualTo(p.contentType);
            assertThat(header(r, WireHeaders.ORIGINAL_TOPIC)).isEqualTo(Topics.EVENTS_CONVERSION);
            assertThat(header(r, WireHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
            assertThat(header(r, WireHeaders.ORIGINAL_OFFSET)).isEqualTo(Long.toString(sent.get(i).offset()));
        }
        assertThat(header(withKey(rejected, "missing-fields"), WireHeaders.ERROR))
                .as("validation errors are reported whole, not just contained")
                .isEqualTo("amount: is required; currency: is required");
        assertThat(harness.metric(IngestMetrics.REJECTED_TOTAL)).isGreaterThanOrEqualTo(poisons.size());
        Map<String, Long> expected = poisons.stream().collect(Collectors.groupingBy(Poison::reason, Collectors.counting()));
        for (RejectReason reason : RejectReason.values()) {
            double counted = harness.registry.get("hookrelay.ingest.rejected")
                    .tags("source", "stream", "reason", reason.wire()).counter().count();
            long poisoned = expected.getOrDefault(reason.wire(), 0L);
            if (reason == RejectReason.INVALID_JSON) {
                // The too-large record of the other test is invalid JSON too, and may have run first.
                assertThat(counted).as("rejections counted as %s", reason.wire()).isBetween(poisoned * 1.0, poisoned + 1.0);
            } else {
                assertThat(counted).as("rejections counted as %s", reason.wire()).isEqualTo(poisoned);
            }
        }
        assertThat(harness.registry.scrape()).contains(
                "hookrelay_ingest_rejected_total{reason=\"wrong_family\",source=\"stream\"} 1.0");
    }

    @Test
    void rejectsRecordTooLargeToCopyWithoutItsValueAndKeepsRunning() {
        // Fits the broker as produced, but not with the rejection headers added.
        byte[] huge = new byte[IngestStreamsApp.MAX_RECORD_BYTES - 300];
        Arrays.fill(huge, (byte) 'x');
        RecordMetadata where = harness.produce(Topics.EVENTS_CONVERSION, 1, "huge", huge, WireHeaders.CONTENT_TYPE, JSON);
        harness.produce(Topics.EVENTS_CONVERSION, 1, "good", bytes(conversionJson("op-1", "after-huge")),
                WireHeaders.CONTENT_TYPE, JSON);

        assertThat(copiesOf(harness.readAcceptedUntilCopies("op-1", "after-huge", 1), "op-1", "after-huge")).hasSize(1);
        ConsumerRecord<String, byte[]> rejection = withKey(harness.client.readUntil(Topics.EVENTS_REJECTED,
                r -> withKey(r, "huge") != null, IngestHarness.WAIT), "huge");
        assertThat(rejection).isNotNull();
        assertThat(rejection.value()).isNull();
        assertThat(header(rejection, WireHeaders.ERROR))
                .as("a bad token is quoted only in part: the reason is logged, the payload is not")
                .startsWith("invalid JSON: Unrecognized token '" + "x".repeat(EventDecoder.MAX_QUOTED_TOKEN_CHARS) + "...': ")
                .endsWith("; the original value (" + huge.length + " bytes) is left out of this record, which would"
                        + " otherwise exceed 1048576 bytes (max.request.size): read it from events.conversion"
                        + " partition 1 offset " + where.offset());
        assertThat(harness.app().isRunning()).isTrue();
    }

    private static ConsumerRecord<String, byte[]> single(List<ConsumerRecord<String, byte[]>> records) {
        assertThat(records).hasSize(1);
        return records.get(0);
    }

    private static ConsumerRecord<String, byte[]> withKey(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).findFirst().orElse(null);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record that is not a valid event, and the words its rejection must contain. */
    private record Poison(String key, byte[] value, String contentType, String expectedError, String reason) {
    }

    /** A conversion event whose tracking.sub1 holds an overlong encoding of '/'. */
    private static byte[] invalidUtf8Event() {
        ObjectNode e = conversionJson("op-1", "bad-utf8");
        e.putObject("tracking").put("sub1", "MARK");
        String text = new String(bytes(e), java.nio.charset.StandardCharsets.UTF_8);
        int at = text.indexOf("MARK");
        byte[] head = text.substring(0, at).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] tail = text.substring(at + 4).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(concat(head, new byte[] {(byte) 0xc0, (byte) 0xaf}), tail);
    }
}
