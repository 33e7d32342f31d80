package io.hookrelay.http;

/**
 * The {@code error} codes of every service's API answers (contract §5). Wire contract: clients
 * branch on these codes, so one changes only with the contract (docs/contract.md lists them).
 */
public final class ErrorCodes {

    /** 400: the body is not one UTF-8 JSON document (or not the object a route takes). */
    public static final String INVALID_JSON = "invalid_json";
    /** 400: the request is malformed apart from its JSON: bad parameters, framing, an empty batch. */
    public static final String INVALID_REQUEST = "invalid_request";
    /** 400: one or more events break the contract's field rules (§3). */
    public static final String INVALID_EVENT = "invalid_event";
    /** 400: a subscription body breaks a field rule; the detail names the field. */
    public static final String INVALID_SUBSCRIPTION = "invalid_subscription";
    /** 401: no or an unknown API key. */
    public static final String UNAUTHORIZED = "unauthorized";
    /** 403: the body names another operator than the key's. */
    public static final String FORBIDDEN = "forbidden";
    /** 404: no such route, or no such resource for this key. */
    public static final String NOT_FOUND = "not_found";
    /** 409: the subscription is disabled, so redelivering to it would only dead-letter again. */
    public static final String SUBSCRIPTION_DISABLED = "subscription_disabled";
    /** 409: nothing of the event could be sent again. */
    public static final String NOT_RESENDABLE = "not_resendable";
    /** 410: Kafka's retention has deleted the event. */
    public static final String EVENT_EXPIRED = "event_expired";
    /** 404: the event's position in Kafka holds no event, or another one (the topic was recreated). */
    public static final String EVENT_MISSING = "event_missing";
    /** 404: the delivery log has no Kafka position for the event (the delivery predates positions). */
    public static final String EVENT_POSITION_UNKNOWN = "event_position_unknown";
    /** 409: the subscription as it is now cannot render a delivery; its attempts fail the same way. */
    public static final String NOT_RENDERABLE = "not_renderable";
    /** 413: the body is over the route's size limit. */
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    /** 415: the body is not declared as UTF-8 JSON. */
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    /** 500: a bug; the service logs it with its stack trace. */
    public static final String INTERNAL = "internal";
    /** 503, retriable: Kafka did not take a write, or could not be read, in time; repeat the request. */
    public static final String KAFKA_UNAVAILABLE = "kafka_unavailable";
    /** 503, retriable: the dispatcher's status stores are not queryable yet (rebalance, restore). */
    public static final String STATUS_UNAVAILABLE = "status_unavailable";
    /** 503, retriable: ingest-service forwards this path to another service, which did not answer. */
    public static final String SERVICE_UNAVAILABLE = "service_unavailable";

    private ErrorCodes() {
    }
}
