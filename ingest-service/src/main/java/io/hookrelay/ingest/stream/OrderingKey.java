package io.hookrelay.ingest.stream;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.event.EventFamily;
import io.hookrelay.event.EventFields;

/**
 * The key of an accepted event on {@code webhooks.accepted}: its {@code player_ref}, or
 * {@code affiliate_id} for affiliate events, so that one player's (or affiliate's) events stay in
 * order downstream.
 */
final class OrderingKey {

    private OrderingKey() {
    }

    /**
     * Reads the key from a canonical event. The canonical JSON is re-read here rather than carried
     * beside it through the repartition topic, so that topic holds nothing but the event itself.
     *
     * @throws IllegalStateException when the bytes are not a canonical event: only the screen
     *     writes them, so that is a bug, not bad input
     */
    static String of(byte[] canonicalJson) {
        JsonNode event;
        try {
            event = Json.tree(canonicalJson);
        } catch (IOException e) {
            throw new IllegalStateException("accepted event is not JSON; the screen wrote something else", e);
        }
        String type = event.path(EventFields.EVENT_TYPE).asText();
        EventFamily family = EventFamily.ofEventType(type).orElseThrow(() -> new IllegalStateException(
                "accepted event has unknown event_type '" + type + "'; the screen should have rejected it"));
        JsonNode key = event.get(family.orderingKeyField());
        if (key == null || !key.isTextual()) {
            throw new IllegalStateException("accepted " + type + " event has no " + family.orderingKeyField()
                    + "; the validator should have required it");
        }
        return key.textValue();
    }
}
