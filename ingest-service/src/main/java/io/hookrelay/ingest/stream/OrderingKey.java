package io.hookrelay.ingest.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.event.EventFamily;
import io.hookrelay.event.EventFields;

/**
 * The ordering key of an accepted event: its {@code player_ref}, or {@code affiliate_id} for
 * affiliate events (contract §1). It keys the event on {@code webhooks.accepted}, so that one
 * player's (or affiliate's) events stay in order downstream, and it decides which ingest task
 * deduplicates the event: the one of the partition the key maps to among
 * {@code WEBHOOKS_PARTITIONS} ({@link io.hookrelay.kafka.KeyPartitions}). The contract has
 * operators key {@code events.*} by this same key, so a record produced as the contract says is
 * already in that partition and is deduplicated where it is read; only a record keyed otherwise
 * takes the repartition to get there.
 */
final class OrderingKey {

    private OrderingKey() {
    }

    /**
     * Reads the key from a canonical event.
     *
     * @throws IllegalStateException when it is not a canonical event: only the screen writes them,
     *     so that is a bug, not bad input
     */
    static String of(JsonNode event) {
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
