package io.hookrelay.ingest.stream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.event.EventFields;

/**
 * The identity of an event for deduplication: {@code operator_id|event_id}. Event ids are the
 * producer's idempotency keys and unique per operator only, hence both parts. The separator cannot
 * occur in a valid operator_id (letters, digits and {@code ._-}), so two different pairs never
 * share a key. Stored in the dedupe changelog: changing the format forgets every event seen.
 */
final class DedupeKey {

    static final char SEPARATOR = '|';

    private DedupeKey() {
    }

    static String of(String operatorId, String eventId) {
        return operatorId + SEPARATOR + eventId;
    }

    static byte[] bytes(String operatorId, String eventId) {
        return of(operatorId, eventId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The verdict of a canonical event that has been repartitioned to its ordering key's partition:
     * only its bytes travel through the repartition topic, so the key is read from them again.
     */
    static Verdict inPlace(byte[] canonicalJson) {
        JsonNode event;
        try {
            event = Json.tree(canonicalJson);
        } catch (IOException e) {
            throw new IllegalStateException("accepted event is not JSON; the screen wrote something else", e);
        }
        return Verdict.accept(canonicalJson, of(event.path(EventFields.OPERATOR_ID).asText(),
                event.path(EventFields.EVENT_ID).asText()), true);
    }
}
