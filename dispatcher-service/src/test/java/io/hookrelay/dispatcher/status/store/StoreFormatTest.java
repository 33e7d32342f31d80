package io.hookrelay.dispatcher.status.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.EventPosition;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The status stores' value format: what it keeps, what it reads back from before it, and that its schemas say what it writes. */
class StoreFormatTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final String TOPIC = "hookrelay-status-deliveries-changelog";

    private static AttemptRecord attempt(int n, Instant at, Outcome outcome, String error, String excerpt) {
        long ms = at.toEpochMilli();
        return new AttemptRecord("msg_2Yh1c8Qz4kPq7", "sub_affiliate_42", "op_casino", "evt-9f1c", "conversion.ftd", n,
                ms, ms - 3, 3, outcome == Outcome.DELIVERED ? 204 : 503, 41, error, excerpt, outcome,
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
    }

    @Test
    void valuesWrittenAsJsonBeforeThisFormatAreStillRead() {
        DeliveryStatus d = retriedThenDelivered();
        SubscriptionHealth h = busyHealth();

        assertThat(readDelivery(Json.bytes(d))).isEqualTo(d);
        assertThat(Json.string(readHealth(Json.bytes(h)))).isEqualTo(Json.string(h));
    }

    @Test
    void aValueInNoKnownFormatIsRefusedNamingItsFirstByte() {
        assertThatThrownBy(() -> readDelivery(new byte[] {7, 1, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("DeliveryStatus").hasMessageContaining(TOPIC).hasMessageContaining("0x7");
        assertThatThrownBy(() -> readHealth(Arrays.copyOf(write(busyHealth()), 9)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("SubscriptionHealth");
    }

    @Test
    void theSchemasBesideTheClassesReadWhatIsWritten() throws IOException {
        DeliveryStatus d = retriedThenDelivered();
        GenericRecord delivery = readWithSchema("delivery-status-v1.avsc", write(d));
        assertThat(delivery.get("webhook_id").toString()).isEqualTo(d.webhookId());
        assertThat(delivery.get("state_at")).isEqualTo(d.stateAt());
        assertThat(((List<?>) delivery.get("attempts"))).hasSize(3);
        GenericRecord first = (GenericRecord) ((List<?>) delivery.get("attempts")).get(0);
        assertThat(first.get("response_excerpt").toString()).isEqualTo("{\"error\":\"überlastet\"}");
        assertThat(((GenericRecord) delivery.get("event_position")).get("offset")).isEqualTo(123_456L);

        SubscriptionHealth h = busyHealth();
        GenericRecord health = readWithSchema("subscription-health-v1.avsc", write(h));
        assertThat(((List<?>) health.get("minutes"))).hasSize(3);
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
    private static GenericRecord readWithSchema(String resource, byte[] bytes) throws IOException {
        assertThat(bytes[0]).isEqualTo(StoreFormat.V1);
        Schema schema;
        try (InputStream in = StoreFormat.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            schema = new Schema.Parser().parse(in);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        GenericRecord r = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
        assertThat(decoder.isEnd()).as("every byte read by " + resource).isTrue();
        return r;
    }
}
