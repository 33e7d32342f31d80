package io.hookrelay.ingest.stream;

/**
 * What {@link EventScreen} decided about one record.
 *
 * @param accepted true for a valid event
 * @param value the canonical event's JSON when accepted; the record's original bytes when rejected
 * @param dedupeKey the event's {@link DedupeKey} when accepted, else null
 * @param inPlace when accepted: the record sits in the partition its ordering key maps to, so every
 *                copy of the event meets it in this task without a repartition ({@link OrderingKey})
 */
record Verdict(boolean accepted, byte[] value, String dedupeKey, boolean inPlace) {

    static Verdict accept(byte[] canonicalJson, String dedupeKey, boolean inPlace) {
        return new Verdict(true, canonicalJson, dedupeKey, inPlace);
    }

    static Verdict reject(byte[] originalValue) {
        return new Verdict(false, originalValue, null, false);
    }
}
