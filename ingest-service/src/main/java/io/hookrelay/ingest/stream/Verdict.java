package io.hookrelay.ingest.stream;

/**
 * What {@link EventScreen} decided about one record.
 *
 * @param accepted true for a valid event
 * @param value the canonical event's JSON when accepted; the record's original bytes when rejected
 */
record Verdict(boolean accepted, byte[] value) {

    static Verdict accept(byte[] canonicalJson) {
        return new Verdict(true, canonicalJson);
    }

    static Verdict reject(byte[] originalValue) {
        return new Verdict(false, originalValue);
    }
}
