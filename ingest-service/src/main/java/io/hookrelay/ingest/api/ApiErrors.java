package io.hookrelay.ingest.api;

import java.util.List;

import io.hookrelay.http.ApiError;

/**
 * The error codes of the ingest API and the answers that carry them. Wire contract: clients branch
 * on these codes (contract §5), so they change only with the contract.
 */
final class ApiErrors {

    static final String INVALID_JSON = "invalid_json";
    static final String INVALID_REQUEST = "invalid_request";
    static final String INVALID_EVENT = "invalid_event";
    static final String INVALID_SUBSCRIPTION = "invalid_subscription";
    static final String FORBIDDEN = "forbidden";
    static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    /** Retriable: Kafka did not take the write; the caller sends the same request again. */
    static final String KAFKA_UNAVAILABLE = "kafka_unavailable";
    /** No or an unknown API key (answered by {@link io.hookrelay.http.ApiKeys}). */
    static final String UNAUTHORIZED = "unauthorized";
    /** The codes of {@code POST /v1/events} that refuse the caller's input (4xx). */
    static final List<String> INPUT_ERRORS = List.of(UNAUTHORIZED, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE,
            INVALID_JSON, INVALID_REQUEST, FORBIDDEN, INVALID_EVENT);

    private ApiErrors() {
    }

    static ApiError kafkaUnavailable(String message) {
        return new ApiError(503, KAFKA_UNAVAILABLE, message, List.of());
    }

    static ApiError subscriptionNotFound(String id) {
        // The same answer for an id that never existed and for another operator's id, so a key
        // learns nothing about other operators' subscriptions.
        return ApiError.notFound("Subscription " + id);
    }

    /** The first few problems in one sentence, the rest counted: the details list them all. */
    static String summarize(List<String> problems, int shown) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(shown, problems.size()); i++) {
            b.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        if (problems.size() > shown) {
            b.append("; and ").append(problems.size() - shown).append(" more (see details)");
        }
        return b.toString();
    }
}
