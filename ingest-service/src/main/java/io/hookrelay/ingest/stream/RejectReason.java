package io.hookrelay.ingest.stream;

/**
 * Why the screen refused a record, in a few categories: the {@code reason} label of
 * {@code hookrelay_ingest_rejected_total{source="stream"}} and of the rejection's log line. The
 * full reason is the {@code webhooks.error} header of the record on {@code events.rejected}.
 * Wire contract: dashboards and alerts select on these values.
 */
enum RejectReason {
    /** Declared JSON (content-type header) but not parseable, or two values in one record. */
    INVALID_JSON("invalid_json"),
    /** Neither declared JSON nor starting with the Avro single-object marker. */
    NOT_AVRO("not_avro"),
    /** Avro single-object encoding with a schema fingerprint this ingest does not know. */
    UNKNOWN_SCHEMA("unknown_schema"),
    /** Avro of a known schema whose body is truncated or corrupt. */
    INVALID_AVRO("invalid_avro"),
    /** An Avro event of another family than its topic's. */
    WRONG_FAMILY("wrong_family"),
    /** Readable, but not a valid event: missing, malformed or unknown fields. */
    INVALID_FIELD("invalid_field"),
    /** A null value (tombstone). */
    NO_VALUE("no_value"),
    /** An unexpected error while screening: a bug, logged with its stack trace. */
    INTERNAL("internal");

    private final String wire;

    RejectReason(String wire) {
        this.wire = wire;
    }

    String wire() {
        return wire;
    }
}
