package io.hookrelay.schemas;

import java.time.Instant;
import java.util.Map;

/** Builders of valid sample events, one per family, for tests to adjust. */
final class TestEvents {

    static final Instant OCCURRED_AT = Instant.parse("2026-11-27T10:15:30Z");

    private TestEvents() {
    }

    static ConversionEvent.Builder conversion() {
        return ConversionEvent.newBuilder()
                .setEventId("evt-1001")
                .setEventType("conversion.ftd")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId("op-1")
                .setBrandId("brand-7")
                .setAffiliateId("aff-42")
                .setPlayerRef("p-9f3a")
                .setTracking(Map.of("click_id", "clk-1", "sub1", "spring"))
                .setTransactionId("tx-1")
                .setAmount("125.50")
                .setCurrency("EUR")
                .setDepositCount(1);
    }

    static KycEvent.Builder kyc() {
        return KycEvent.newBuilder()
                .setEventId("evt-2001")
                .setEventType("kyc.status_changed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId("op-1")
                .setPlayerRef("p-9f3a")
                .setStatus("approved")
                .setPreviousStatus("pending");
    }

    static ChargebackEvent.Builder chargeback() {
        return ChargebackEvent.newBuilder()
                .setEventId("evt-3001")
                .setEventType("chargeback.filed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId("op-1")
                .setAffiliateId("aff-42")
                .setPlayerRef("p-9f3a")
                .setTransactionId("cb-1")
                .setOriginalTransactionId("tx-1")
                .setAmount("125.50")
                .setCurrency("EUR")
                .setReasonCode("10.4");
    }

    static CommissionEvent.Builder commission() {
        return CommissionEvent.newBuilder()
                .setEventId("evt-4001")
                .setEventType("commission.reversed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId("op-1")
                .setAffiliateId("aff-42")
                .setPlayerRef("p-9f3a")
                .setCommissionId("com-1")
                .setModel("CPA")
                .setAmount("50.00")
                .setCurrency("EUR")
                .setRelatedTransactionId("tx-1")
                .setReason("chargeback");
    }

    static AffiliateEvent.Builder affiliate() {
        return AffiliateEvent.newBuilder()
                .setEventId("evt-5001")
                .setEventType("affiliate.status_changed")
                .setOccurredAt(OCCURRED_AT)
                .setOperatorId("op-1")
                .setAffiliateId("aff-42")
                .setStatus("active")
                .setPreviousStatus("pending")
                .setIsTest(true);
    }
}
