package io.hookrelay.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventAvroSerdeTest {

    private final EventAvroSerializer serializer = new EventAvroSerializer();
    private final EventAvroDeserializer deserializer = new EventAvroDeserializer();

    static Stream<SpecificRecord> oneEventOfEachFamily() {
        return Stream.of(TestEvents.conversion().build(), TestEvents.kyc().build(), TestEvents.chargeback().build(),
                TestEvents.commission().build(), TestEvents.affiliate().build());
    }

    @ParameterizedTest
    @MethodSource("oneEventOfEachFamily")
    void roundTripsEventOfEachFamily(SpecificRecord event) {
        byte[] bytes = serializer.serialize("events.x", event);

        SpecificRecord read = deserializer.deserialize("events.x", bytes);

        assertThat(read).isInstanceOf(event.getClass()).isEqualTo(event);
    }

    @Test
    void writesSingleObjectEncodingWithTheCurrentSchemaFingerprint() {
        byte[] bytes = serializer.serialize("events.conversion", TestEvents.conversion().build());

        assertThat(Arrays.copyOfRange(bytes, 0, 2)).containsExactly(0xC3, 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(ConversionEvent.getClassSchema()));
        assertThat(AvroEvents.isSingleObjectEncoded(bytes)).isTrue();
    }

    @Test
    void passesNullThroughBothWays() {
        assertThat(serializer.serialize("events.conversion", null)).isNull();
        assertThat(deserializer.deserialize("events.conversion", null)).isNull();
    }

    @Test
    void readsConversionWrittenWithV1SchemaIntoCurrentClass() throws Exception {
        Schema v1 = AvroEvents.history("conversion").get(0);
        assertThat(v1.getField("deposit_count")).as("v1 predates deposit_count").isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("event_id", "evt-v1");
        old.put("event_type", "conversion.deposit");
        old.put("occurred_at", Instant.parse("2025-03-01T08:00:00.250Z").toEpochMilli());
        old.put("operator_id", "op-1");
        old.put("affiliate_id", "aff-42");
        old.put("player_ref", "p-old");
        old.put("tracking", Map.of("btag", "b-7"));
        old.put("is_test", false);
        old.put("transaction_id", "tx-old");
        old.put("amount", "20.00");
        old.put("currency", "GBP");
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(v1))
                .isNotEqualTo(SchemaNormalization.parsingFingerprint64(ConversionEvent.getClassSchema()));

        ConversionEvent read = (ConversionEvent) deserializer.deserialize("events.conversion", bytes);

        assertThat(read.getEventId()).isEqualTo("evt-v1");
        assertThat(read.getEventType()).isEqualTo("conversion.deposit");
        assertThat(read.getOccurredAt()).isEqualTo(Instant.parse("2025-03-01T08:00:00.250Z"));
        assertThat(read.getBrandId()).isNull();
        assertThat(read.getTracking()).containsExactly(Map.entry("btag", "b-7"));
        assertThat(read.getAmount()).isEqualTo("20.00");
        assertThat(read.getDepositCount()).isNull();

        DecodedEvent decoded = AvroEvents.decode(bytes);
        assertThat(decoded.family()).isEqualTo("conversion");
        assertThat(decoded.json().get("player_ref").asText()).isEqualTo("p-old");
        assertThat(decoded.json().get("occurred_at").asText()).isEqualTo("2025-03-01T08:00:00.250Z");
        assertThat(decoded.json().has("deposit_count")).isFalse();
    }
}
