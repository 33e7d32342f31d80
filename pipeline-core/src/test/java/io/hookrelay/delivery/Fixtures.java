package io.hookrelay.delivery;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;

/** Builders for the canonical events and subscriptions the delivery tests use. */
final class Fixtures {

    private Fixtures() {
    }

    static ObjectNode event(String operatorId, String eventId) {
        ObjectNode e = Json.object();
        e.put("event_id", eventId);
        e.put("event_type", "conversion.ftd");
        e.put("occurred_at", "2026-11-27T10:00:00Z");
        e.put("operator_id", operatorId);
        e.put("brand_id", "b1");
        e.put("affiliate_id", "a1");
        e.put("player_ref", "p1");
        e.put("is_test", false);
        e.put("transaction_id", "t1");
        e.put("amount", "10.00");
        e.put("currency", "EUR");
        return e;
    }

    static Subscription subscription(String operatorId, String url) {
        Instant created = Instant.parse("2026-11-01T00:00:00Z");
        return Subscription.builder(Secrets.newSubscriptionId(), operatorId, url).eventTypes("*").description("test")
                .enabled(true).secret(Secrets.newSecret()).createdAt(created).updatedAt(created).build();
    }

    /** A subscription receiving only {@code fields} (null: all), {@code player_ref} sent as {@code playerRef} says. */
    static Subscription shaping(String operatorId, String url, List<String> fields, String playerRef) {
        return subscription(operatorId, url).toBuilder().fields(fields).playerRef(playerRef, Secrets.newPlayerRefKey())
                .build();
    }

    static Delivery delivery(Subscription s, String eventId) {
        return Delivery.first(event(s.operatorId(), eventId), s.id(), 1_795_000_000_000L);
    }
}
