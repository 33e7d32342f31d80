package io.hookrelay.contract;

/**
 * Kafka record header names and HTTP header names of the product contract (contract §2 and §4).
 * Wire contract: every value is a UTF-8 string.
 */
public final class WireHeaders {

    // Kafka headers on records operators produce.
    public static final String CONTENT_TYPE = "content-type";
    public static final String APPLICATION_JSON = "application/json";

    // Kafka headers on events.rejected.
    public static final String ERROR = "webhooks.error";
    public static final String ORIGINAL_TOPIC = "webhooks.original-topic";
    public static final String ORIGINAL_PARTITION = "webhooks.original-partition";
    public static final String ORIGINAL_OFFSET = "webhooks.original-offset";

    // Kafka headers on retry and DLQ records.
    public static final String WEBHOOK_ID = "webhook-id";
    public static final String SUBSCRIPTION_ID = "webhooks.subscription-id";
    public static final String EVENT_ID = "webhooks.event-id";
    public static final String EVENT_TYPE = "webhooks.event-type";
    public static final String ATTEMPT = "webhooks.attempt";
    /** Epoch milliseconds before which the next attempt must not happen. */
    public static final String DUE_AT = "webhooks.due-at";
    /** Epoch milliseconds of the first attempt. */
    public static final String FIRST_ATTEMPT_AT = "webhooks.first-attempt-at";
    /** HTTP status of the last attempt, 0 when there was no response. */
    public static final String LAST_STATUS = "webhooks.last-status";
    public static final String LAST_ERROR = "webhooks.last-error";
    public static final String DEAD_REASON = "webhooks.dead-reason";
    /**
     * On a delay-topic record parked without an attempt because its subscription was at a limit:
     * {@code max_in_flight} or {@code rate_limit}. An addition to the contract's headers.
     */
    public static final String PARK_REASON = "webhooks.park-reason";

    // HTTP headers sent to subscribers (Standard Webhooks).
    public static final String HTTP_WEBHOOK_ID = "webhook-id";
    public static final String HTTP_WEBHOOK_TIMESTAMP = "webhook-timestamp";
    public static final String HTTP_WEBHOOK_SIGNATURE = "webhook-signature";

    private WireHeaders() {
    }
}
