package io.hookrelay.contract;

/** Why a delivery was dead-lettered: the value of the {@code webhooks.dead-reason} header (contract §2). */
public enum DeadReason {
    EXHAUSTED("exhausted"),
    GONE("gone"),
    ENDPOINT_DISABLED("endpoint-disabled"),
    ENDPOINT_DELETED("endpoint-deleted"),
    INVALID("invalid");

    private final String wire;

    DeadReason(String wire) {
        this.wire = wire;
    }

    /** The header value. */
    public String wire() {
        return wire;
    }
}
