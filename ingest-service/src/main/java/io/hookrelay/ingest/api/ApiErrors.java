package io.hookrelay.ingest.api;

import java.util.List;

import io.hookrelay.http.ApiError;
import io.hookrelay.http.ErrorCodes;

/** The ingest API's own answers and the codes its refusal metrics count (the codes live in {@link ErrorCodes}). */
final class ApiErrors {

    /** The codes of {@code POST /v1/events} that refuse the caller's input (4xx). */
    static final List<String> INPUT_ERRORS = List.of(ErrorCodes.UNAUTHORIZED, ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
            ErrorCodes.PAYLOAD_TOO_LARGE, ErrorCodes.INVALID_JSON, ErrorCodes.INVALID_REQUEST, ErrorCodes.FORBIDDEN,
            ErrorCodes.INVALID_EVENT);

    private ApiErrors() {
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
