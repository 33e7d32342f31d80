package io.hookrelay.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroEventsTest {

    private final EventAvroSerializer serializer = new EventAvroSerializer();
    private final EventAvroDeserializer deserializer = new EventAvroDeserializer();

    @Test
    void decodesToCanonicalContractJson() throws Exception {
        byte[] bytes = serializer.serialize("events.conversion",
                TestEvents.conversion().setBrandId(null).setDepositCount(null).build());

        DecodedEvent decoded = AvroEvents.decode(bytes);

        assertThat(decoded.family()).isEqualTo("conversion");
        assertThat(decoded.json()).isEqualTo(new ObjectMapper().readTree("""
                {"event_id": "evt-1001", "event_type": "conversion.ftd", "occurred_at": "2026-11-27T10:15:30Z",
                 "operator_id": "op-1", "affiliate_id": "aff-42", "player_ref": "p-9f3a",
                 "tracking": {"click_id": "clk-1", "sub1": "spring"}, "is_test": false,
                 "transaction_id": "tx-1", "amount": "125.50", "currency": "EUR"}
                """));
        assertThat(decoded.json().get("amount").isTextual()).isTrue();
        assertThat(decoded.json().get("is_test").isBoolean()).isTrue();
    }

    @Test
    void rendersOccurredAtWithMillisWhenThereAreAny() {
        byte[] bytes = serializer.serialize("events.kyc",
                TestEvents.kyc().setOccurredAt(Instant.parse("2026-11-27T10:15:30.045Z")).build());

        assertThat(AvroEvents.decode(bytes).json().get("occurred_at").asText()).isEqualTo("2026-11-27T10:15:30.045Z");
    }

    @Test
    void namesTheFamilyOfEachRecord() {
        assertThat(AvroEvents.families()).containsExactly("conversion", "kyc", "chargeback", "commission", "affiliate");
        assertThat(AvroEvents.decode(serializer.serialize("t", TestEvents.kyc().build())).family()).isEqualTo("kyc");
        assertThat(AvroEvents.decode(serializer.serialize("t", TestEvents.chargeback().build())).family())
                .isEqualTo("chargeback");
        assertThat(AvroEvents.decode(serializer.serialize("t", TestEvents.commission().build())).family())
                .isEqualTo("commission");
        DecodedEvent affiliate = AvroEvents.decode(serializer.serialize("t", TestEvents.affiliate().build()));
        assertThat(affiliate.family()).isEqualTo("affiliate");
        assertThat(affiliate.json().has("player_ref")).isFalse();
        assertThat(affiliate.json().get("is_test").booleanValue()).isTrue();
        assertThat(affiliate.json().get("tracking").isEmpty()).isTrue();
    }

    @Test
    void currentSchemaOfUnknownFamilyNamesTheKnownOnes() {
        assertThat(AvroEvents.currentSchema("commission")).isEqualTo(CommissionEvent.getClassSchema());
        assertThatThrownBy(() -> AvroEvents.currentSchema("payout"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown event family 'payout', expected one of"
                        + " [conversion, kyc, chargeback, commission, affiliate]");
    }

    @Test
    void refusesJsonBytesNamingTheFirstTwoBytes() {
        byte[] json = "{\"event_id\":\"e1\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(AvroEvents.isSingleObjectEncoded(json)).isFalse();
        String expected = "not Avro single-object encoding: first two bytes are 0x7b 0x22, expected 0xc3 0x01"
                + " (this looks like JSON; JSON events need the header content-type: application/json)";
        assertThatThrownBy(() -> AvroEvents.decode(json)).isInstanceOf(AvroDecodingException.class).hasMessage(expected);
        assertThatThrownBy(() -> deserializer.deserialize("events.conversion", json))
                .isInstanceOf(SerializationException.class).hasMessage(expected);
    }

    @Test
    void refusesUnknownSchemaFingerprint() {
        byte[] bytes = serializer.serialize("events.conversion", TestEvents.conversion().build());
        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);

        assertThatThrownBy(() -> deserializer.deserialize("events.conversion", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessage("unknown schema fingerprint 0x0123456789abcdef (not one of the 6 known event schemas;"
                        + " written with a newer schemas module than this reader has, or not a Hookrelay event)");
    }

    @Test
    void refusesTruncatedBody() {
        byte[] whole = serializer.serialize("events.chargeback", TestEvents.chargeback().build());
        byte[] cut = Arrays.copyOf(whole, whole.length - 5);

        assertThatThrownBy(() -> AvroEvents.decode(cut))
                .isInstanceOf(AvroDecodingException.class)
                .hasMessage("truncated record: the ChargebackEvent body ends before all its fields were read ("
                        + cut.length + " bytes in total)");
    }

    @Test
    void refusesTruncatedHeader() {
        byte[] whole = serializer.serialize("events.kyc", TestEvents.kyc().build());

        assertThatThrownBy(() -> deserializer.deserialize("events.kyc", Arrays.copyOf(whole, 6)))
                .isInstanceOf(SerializationException.class)
                .hasMessage("truncated record: 6 bytes, shorter than the 2-byte marker and 8-byte schema fingerprint");
        assertThatThrownBy(() -> deserializer.deserialize("events.kyc", new byte[0]))
                .isInstanceOf(SerializationException.class)
                .hasMessage("not Avro single-object encoding: the record is 0 byte(s) long,"
                        + " expected the marker 0xc3 0x01, an 8-byte schema fingerprint and a body");
    }

    @Test
    void refusesBytesLeftOverAfterTheBody() {
        byte[] whole = serializer.serialize("events.kyc", TestEvents.kyc().build());
        byte[] longer = Arrays.copyOf(whole, whole.length + 3);

        assertThatThrownBy(() -> AvroEvents.decode(longer))
                .isInstanceOf(AvroDecodingException.class)
                .hasMessage("corrupt record: 3 bytes left over after the KycEvent body (" + longer.length
                        + " bytes in total)");
    }
}
