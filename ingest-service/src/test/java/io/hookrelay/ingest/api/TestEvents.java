package io.hookrelay.ingest.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;

/** Valid events of contract §3, one builder per family used here; tests change single fields. */
final class TestEvents {

    private TestEvents() {
    }

    static ObjectNode ftd(String eventId, String operator, String playerRef) {
        ObjectNode e = common(eventId, "conversion.ftd", operator);
        e.put("player_ref", playerRef);
        e.put("affiliate_id", "aff-7");
        e.put("brand_id", "brand-1");
        e.put("transaction_id", "tx-" + eventId);
        e.put("amount", "125.50");
        e.put("currency", "EUR");
        return e;
    }

    static ObjectNode deposit(String eventId, String operator, String playerRef) {
        ObjectNode e = ftd(eventId, operator, playerRef);
        e.put("event_type", "conversion.deposit");
        e.put("deposit_count", 2);
        return e;
    }

    static ObjectNode kyc(String eventId, String operator, String playerRef) {
        ObjectNode e = common(eventId, "kyc.status_changed", operator);
        e.put("player_ref", playerRef);
        e.put("status", "approved");
        e.put("previous_status", "pending");
        return e;
    }

    static ObjectNode affiliateStatus(String eventId, String operator, String affiliateId) {
        ObjectNode e = common(eventId, "affiliate.status_changed", operator);
        e.put("affiliate_id", affiliateId);
        e.put("status", "active");
        e.put("previous_status", "pending");
        return e;
    }

    private static ObjectNode common(String eventId, String type, String operator) {
        ObjectNode e = Json.object();
        e.put("event_id", eventId);
        e.put("event_type", type);
        // An offset other than UTC: the canonical form carries the same instant in UTC.
        e.put("occurred_at", "2026-11-27T12:15:30+02:00");
        e.put("operator_id", operator);
        return e;
    }
}
