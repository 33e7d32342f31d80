package io.hookrelay.dispatcher.status.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.EventPosition;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The status stores' value format: what it keeps, what it reads back from before it, and that its schemas say what it writes. */
class StoreFormatTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final String TOPIC = "hookrelay-status-deliveries-changelog";

    private static AttemptRecord attempt(int n, Instant at, Outcome outcome, String error, String excerpt) {
        return attempt(n, at, outcome, error, excerpt, 41);
    }

    private static AttemptRecord attempt(int n, Instant at, Outcome outcome, String error, String excerpt,
                                         long latencyMs) {
        long ms = at.toEpochMilli();
        return new AttemptRecord("msg_2Yh1c8Qz4kPq7", "sub_affiliate_42", "op_casino", "evt-9f1c", "conversion.ftd", n,
                ms, ms - 3, 3, outcome == Outcome.DELIVERED ? 204 : 503, latencyMs, error, excerpt, outcome,
                outcome == Outcome.RETRYING ? ms + 1_000 : null, null, "https://tracker.example/postback", null,
                new EventPosition("webhooks.accepted", 3, 123_456L));
    }

    /** A delivery retried twice, with an error and a response excerpt with non-ASCII text, then delivered. */
    private static DeliveryStatus retriedThenDelivered() {
        DeliveryStatus d = DeliveryStatus.apply(null, StatusInput.of(attempt(1, T0, Outcome.RETRYING, "HTTP 503",
                "{\"error\":\"überlastet\"}")));
        d = DeliveryStatus.apply(d, StatusInput.of(attempt(2, T0.plusSeconds(1), Outcome.RETRYING, "timeout", null)));
        return DeliveryStatus.apply(d, StatusInput.of(attempt(3, T0.plusSeconds(3), Outcome.DELIVERED, null, "")));
    }

    /** 12:03:30, half a minute after {@link #busyHealth()}'s last attempt: its last hour holds only that one. */
    private static final long AFTER_BUSY = T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(3)).plusSeconds(30)
            .toEpochMilli();

    private static SubscriptionHealth busyHealth() {
        SubscriptionHealth h = new SubscriptionHealth("sub_affiliate_42", "op_casino");
        h.record(attempt(1, T0, Outcome.DELIVERED, null, ""));
        h.record(attempt(1, T0.plus(Duration.ofMinutes(7)), Outcome.RETRYING, "HTTP 503", ""));
        // Two hours on, a third minute slot (the first two hours' slots 0 and 7 are not reused yet).
        h.record(attempt(1, T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(3)), Outcome.RETRYING,
                "connection refused", ""));
        h.markFailingAlerted();
        h.markAutoDisabled(T0.plus(Duration.ofHours(3)).toEpochMilli());
        return h;
    }

    private static byte[] write(DeliveryStatus d) {
        return DeliveryStatus.SERDE.serializer().serialize(TOPIC, d);
    }

    private static DeliveryStatus readDelivery(byte[] bytes) {
        return DeliveryStatus.SERDE.deserializer().deserialize(TOPIC, bytes);
    }

    private static byte[] write(SubscriptionHealth h) {
        return SubscriptionHealth.SERDE.serializer().serialize(TOPIC, h);
    }

    private static SubscriptionHealth readHealth(byte[] bytes) {
        return SubscriptionHealth.SERDE.deserializer().deserialize(TOPIC, bytes);
    }

    @Test
    void aDeliveryComesBackAsItWasWritten() {
        DeliveryStatus d = retriedThenDelivered();
        assertThat(d.attempts()).hasSize(3);

        assertThat(readDelivery(write(d))).isEqualTo(d);
    }

    @Test
    void aDeliveryWithoutOptionalPartsComesBackAsItWasWritten() {
        DeliveryStatus dead = DeliveryStatus.apply(null, StatusInput.of(new StatusInput.DeadLetter("msg_1", "sub_1",
                null, null, null, 0, 0, T0.toEpochMilli(), "subscription-deleted", 0, null, null)));
        assertThat(dead.eventPosition()).isNull();

        assertThat(readDelivery(write(dead))).isEqualTo(dead);
    }

    @Test
    void healthComesBackAsItWasWritten() {
        SubscriptionHealth h = busyHealth();

        // No equals on the mutable aggregate: every field, as its JSON shows them, must match.
        assertThat(Json.string(readHealth(write(h)))).isEqualTo(Json.string(h));
        long now = T0.plus(Duration.ofHours(2)).plusSeconds(30).toEpochMilli();
        assertThat(readHealth(write(h)).lastDay(now)).isEqualTo(h.lastDay(now));
        assertThat(readHealth(write(h)).lastHour(AFTER_BUSY)).isEqualTo(h.lastHour(AFTER_BUSY));
        assertThat(h.lastHour(AFTER_BUSY).p50Ms()).isNotNull();
    }

    @Test
    void aHealthWrittenInV1IsStillReadWithItsMinutesCountedWithoutLatency() throws IOException {
        SubscriptionHealth h = busyHealth();

        SubscriptionHealth read = readHealth(v1(h));

        assertThat(read.lastDay(AFTER_BUSY)).isEqualTo(h.lastDay(AFTER_BUSY));
        assertThat(read.lastHour(AFTER_BUSY)).isEqualTo(new SubscriptionHealth.Window(1, 1, null, null));
        assertThat(read.minuteBuckets(AFTER_BUSY)).isEqualTo(h.minuteBuckets(AFTER_BUSY));
        assertThat(read.lastError()).isEqualTo("connection refused");
        assertThat(read.autoDisabledAt()).isEqualTo(h.autoDisabledAt());
        // A minute counted after the upgrade has its latency: the hour's percentiles are its alone.
        read.record(attempt(1, T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(3)).plusSeconds(20),
                Outcome.DELIVERED, null, ""));
        assertThat(read.lastHour(AFTER_BUSY)).isEqualTo(new SubscriptionHealth.Window(2, 1, 50L, 50L));
    }

    @Test
    void aSubscriptionBusyForAMinuteTakesAFewBytesMoreThanInV1ForItsMinuteLatency() throws IOException {
        SubscriptionHealth h = new SubscriptionHealth("sub_affiliate_42", "op_casino");
        for (int i = 0; i < 100; i++) {
            // 41 ms (the 50 ms bucket) but every tenth, 503 after 3 s (the 5 s bucket).
            boolean ok = i % 10 != 0;
            h.record(ok ? attempt(1, T0.plusMillis(i * 500L), Outcome.DELIVERED, null, "")
                    : attempt(1, T0.plusMillis(i * 500L), Outcome.RETRYING, "HTTP 503", "", 3_000));
        }

        // Two buckets used: their count, (3, 90) in three bytes, (8, 10) in two, the array's end.
        assertThat(write(h).length).isEqualTo(v1(h).length + 7).isLessThan(120);
    }

    @Test
    void valuesWrittenAsJsonBeforeThisFormatAreStillRead() {
        DeliveryStatus d = retriedThenDelivered();
        SubscriptionHealth h = busyHealth();

        assertThat(readDelivery(Json.bytes(d))).isEqualTo(d);
        assertThat(Json.string(readHealth(Json.bytes(h)))).isEqualTo(Json.string(h));
        // JSON from before minute latency was kept: its minutes count, without percentiles.
        ObjectNode old = Json.MAPPER.valueToTree(h);
        old.remove("minute_latency");
        assertThat(readHealth(Json.bytes(old)).lastHour(AFTER_BUSY))
                .isEqualTo(new SubscriptionHealth.Window(1, 1, null, null));
        assertThat(readHealth(Json.bytes(old)).lastDay(AFTER_BUSY)).isEqualTo(h.lastDay(AFTER_BUSY));
    }

    @Test
    void aValueInNoKnownFormatIsRefusedNamingItsFirstByte() {
        assertThatThrownBy(() -> readDelivery(new byte[] {7, 1, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("DeliveryStatus").hasMessageContaining(TOPIC).hasMessageContaining("0x7");
        assertThatThrownBy(() -> readHealth(Arrays.copyOf(write(busyHealth()), 9)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("SubscriptionHealth");
        // A version after the one a class writes is a newer release's value, not one to guess at.
        byte[] v3 = write(busyHealth());
        v3[0] = 3;
        assertThatThrownBy(() -> readHealth(v3)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("SubscriptionHealth").hasMessageContaining("0x3");
        byte[] deliveryV2 = write(retriedThenDelivered());
        deliveryV2[0] = StoreFormat.V2;
        assertThatThrownBy(() -> readDelivery(deliveryV2)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("0x2");
    }

    @Test
    void theSchemasBesideTheClassesReadWhatIsWritten() throws IOException {
        DeliveryStatus d = retriedThenDelivered();
        GenericRecord delivery = readWithSchema("delivery-status-v1.avsc", StoreFormat.V1, write(d));
        assertThat(delivery.get("webhook_id").toString()).isEqualTo(d.webhookId());
        assertThat(delivery.get("state_at")).isEqualTo(d.stateAt());
        assertThat(((List<?>) delivery.get("attempts"))).hasSize(3);
        GenericRecord first = (GenericRecord) ((List<?>) delivery.get("attempts")).get(0);
        assertThat(first.get("response_excerpt").toString()).isEqualTo("{\"error\":\"überlastet\"}");
        assertThat(((GenericRecord) delivery.get("event_position")).get("offset")).isEqualTo(123_456L);

        SubscriptionHealth h = busyHealth();
        GenericRecord health = readWithSchema("subscription-health-v2.avsc", StoreFormat.V2, write(h));
        assertThat(((List<?>) health.get("minutes"))).hasSize(3);
        GenericRecord minute = (GenericRecord) ((List<?>) health.get("minutes")).get(0);
        GenericRecord latency = (GenericRecord) ((List<?>) minute.get("latency")).get(0);
        assertThat(((List<?>) minute.get("latency"))).hasSize(1);
        assertThat(latency.get("bucket")).as("41 ms, the 50 ms bucket").isEqualTo(3);
        assertThat(latency.get("count")).isEqualTo(1);
        assertThat(((List<?>) health.get("hours"))).hasSize(2);
        assertThat(health.get("last_error").toString()).isEqualTo("connection refused");
        assertThat(health.get("last_activity_at")).isEqualTo(h.lastActivityAt());
    }

    @Test
    void storeValuesAreAFractionOfTheirJson() {
        DeliveryStatus d = retriedThenDelivered();
        SubscriptionHealth h = busyHealth();

        assertThat(write(d).length).isLessThan(Json.bytes(d).length / 2);
        assertThat(write(h).length).isLessThan(Json.bytes(h).length / 10);
    }

    /** Reads {@code bytes} after the format byte with the schema in the class's resources; fails unless every byte is used. */
    private static GenericRecord readWithSchema(String resource, byte version, byte[] bytes) throws IOException {
        assertThat(bytes[0]).isEqualTo(version);
        Schema schema = schema(resource);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        GenericRecord r = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
        assertThat(decoder.isEnd()).as("every byte read by " + resource).isTrue();
        return r;
    }

    private static Schema schema(String resource) throws IOException {
        try (InputStream in = StoreFormat.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new Schema.Parser().parse(in);
        }
    }

    /**
     * The value the previous release wrote for {@code h}: its fields (read from its JSON) in
     * {@code subscription-health-v1.avsc} by Avro's own writer, after the byte 0x01. The minutes'
     * latency has no place in it.
     */
    private static byte[] v1(SubscriptionHealth h) throws IOException {
        Schema schema = schema("subscription-health-v1.avsc");
        JsonNode json = Json.MAPPER.valueToTree(h);
        GenericRecord r = new GenericData.Record(schema);
        r.put("subscription_id", json.get("subscription_id").asText());
        r.put("operator_id", json.get("operator_id").asText());
        r.put("minutes", slots(schema, "minutes", "minute", json));
        r.put("hours", slots(schema, "hours", "hour", json));
        r.put("consecutive_failures", json.get("consecutive_failures").asInt());
        for (String at : List.of("failing_since", "last_success_at", "last_failure_at", "auto_disabled_at")) {
            r.put(at, json.get(at).isNull() ? null : json.get(at).asLong());
        }
        r.put("last_failure_status", json.get("last_failure_status").asInt());
        r.put("last_error", json.get("last_error").isNull() ? null : json.get("last_error").asText());
        r.put("failing_alerted", json.get("failing_alerted").asBoolean());
        r.put("last_activity_at", json.get("last_activity_at").asLong());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(StoreFormat.V1);
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, out);
        out.flush();
        return bytes.toByteArray();
    }

    /** The slots in use of one ring ({@code minute_ids}, ...), as the v1 writer wrote them. */
    private static List<GenericRecord> slots(Schema schema, String field, String unit, JsonNode json) {
        Schema slot = schema.getField(field).schema().getElementType();
        JsonNode ids = json.get(unit + "_ids");
        List<GenericRecord> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).asLong() == 0) {
                continue;
            }
            GenericRecord r = new GenericData.Record(slot);
            r.put("slot", i);
            r.put(unit, ids.get(i).asLong());
            r.put("attempts", json.get(unit + "_attempts").get(i).asInt());
            r.put("failures", json.get(unit + "_failures").get(i).asInt());
            if (slot.getField("latency") != null) {
                List<Integer> latency = new ArrayList<>();
                json.get(unit + "_latency").get(i).forEach(c -> latency.add(c.asInt()));
                r.put("latency", latency);
            }
            out.add(r);
        }
        return out;
    }
}
