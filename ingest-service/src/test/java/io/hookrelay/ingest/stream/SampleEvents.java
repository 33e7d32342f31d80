package io.hookrelay.ingest.stream;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.schemas.AffiliateEvent;
import io.hookrelay.schemas.ConversionEvent;
import io.hookrelay.schemas.EventAvroSerializer;
import io.hookrelay.schemas.KycEvent;
import org.apache.avro.specific.SpecificRecord;

/** Valid sample events, in JSON and Avro, for tests to adjust. */
final class SampleEvents {

    static final Instant OCCURRED_AT = Instant.parse("2026-11-27T10:15:30Z");
    private static final EventAvroSerializer AVRO = new EventAvroSerializer();

    private SampleEvents() {
    }

    /** A conversion.ftd as an operator writes it in JSON, its time with a +02:00 offset. */
    static ObjectNode conversionJson(String operatorId, String eventId) {
        ObjectNode e = Json.object();
        e.put("event_id", eventId);
        e.put("event_type", "conversion.ftd");
        e.put("occurred_at", "2026-11-27T12:15:30+02:00");
        e.put("operator_id", operatorId);
        e.put("brand_id", "brand-7");
        e.put("affiliate_id", "aff-42");
        e.put("player_ref", "p-" + eventId);
        e.putObject("tracking").put("click_id", "clk-1");
        e.put("transaction_id", "tx-" + eventId);
        e.put("amount", "125.50");
        e.put("currency", "EUR");
        e.put("deposit_count", 1);
        return e;
    }

    static ConversionEvent.Builder conversionAvro(String operatorId, String eventId) {
        return ConversionEvent.newBuilder()
                .setEventId(eventId)
                .setEventType("conversion.deposit")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId(operatorId)
                .setAffiliateId("aff-42")
                .setPlayerRef("p-" + eventId)
                .setTransactionId("tx-" + eventId)
                .setAmount("20.00")
                .setCurrency("USD");
    }

    static KycEvent.Builder kycAvro(String operatorId, String eventId) {
        return KycEvent.newBuilder()
                .setEventId(eventId)
                .setEventType("kyc.status_changed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId(operatorId)
                .setPlayerRef("p-" + eventId)
                .setStatus("approved")
                .setPreviousStatus("pending");
    }

    static AffiliateEvent.Builder affiliateAvro(String operatorId, String eventId) {
        return AffiliateEvent.newBuilder()
                .setEventId(eventId)
                .setEventType("affiliate.status_changed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId(operatorId)
                .setAffiliateId("aff-" + eventId)
                .setTracking(Map.of())
                .setStatus("active")
                .setPreviousStatus("pending");
    }

    static byte[] bytes(ObjectNode json) {
        return Json.bytes(json);
    }

    static byte[] bytes(SpecificRecord avro) {
        return AVRO.serialize("events", avro);
    }
}
