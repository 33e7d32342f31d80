package io.hookrelay.ingest.stream;

import java.nio.charset.StandardCharsets;

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
}
