package io.hookrelay.dispatcher.status.query;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.event.FieldError;
import io.hookrelay.http.ApiError;

/**
 * The filters of {@code GET /v1/subscriptions/{id}/deliveries}, all optional.
 *
 * @param state deliveries in this state only ({@code delivered}, {@code retrying}, {@code dead}); null for any
 * @param since deliveries first attempted at or after this instant
 * @param until deliveries first attempted before this instant; to page back, pass the oldest
 *              {@code created_at} of the previous page (deliveries of that very millisecond may then
 *              repeat or, past the limit, be skipped)
 * @param limit at most this many deliveries
 */
record DeliveryListQuery(String state, Instant since, Instant until, int limit) {

    // Wire contract: the query parameter names.
    static final String STATE = "state";
    static final String SINCE = "since";
    static final String UNTIL = "until";
    static final String LIMIT = "limit";
    static final List<String> PARAMETERS = List.of(STATE, SINCE, UNTIL, LIMIT);
    static final List<String> STATES = List.of(AttemptRecord.Outcome.DELIVERED.wire(),
            AttemptRecord.Outcome.RETRYING.wire(), AttemptRecord.Outcome.DEAD.wire());
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    /**
     * Reads the query parameters.
     *
     * @throws ApiError 400 naming every unknown parameter and bad value
     */
    static DeliveryListQuery parse(Map<String, List<String>> params) {
        List<FieldError> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!PARAMETERS.contains(e.getKey())) {
                // Refused rather than ignored: a misspelt filter would silently list everything.
                problems.add(new FieldError(e.getKey(), "unknown parameter; the filters are " + String.join(", ", PARAMETERS)));
            } else if (e.getValue().size() > 1) {
                problems.add(new FieldError(e.getKey(), "given " + e.getValue().size() + " times; give it once"));
            }
        }
        String state = single(params, STATE);
        if (state != null && !STATES.contains(state)) {
            problems.add(new FieldError(STATE, "must be one of " + String.join(", ", STATES) + ", got '" + state + "'"));
        }
        Instant since = time(params, SINCE, problems);
        Instant until = time(params, UNTIL, problems);
        if (since != null && until != null && !since.isBefore(until)) {
            problems.add(new FieldError(SINCE, "must be before until, got since " + since + " and until " + until));
        }
        int limit = DEFAULT_LIMIT;
        String limitText = single(params, LIMIT);
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText.trim());
                if (limit < 1 || limit > MAX_LIMIT) {
                    problems.add(new FieldError(LIMIT, "must be between 1 and " + MAX_LIMIT + ", got " + limit));
                }
            } catch (NumberFormatException e) {
                problems.add(new FieldError(LIMIT, "must be a whole number between 1 and " + MAX_LIMIT + ", got '"
                        + limitText + "'"));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiError.badRequest("Invalid filters: " + String.join("; ",
                    problems.stream().map(FieldError::toString).toList()), problems);
        }
        return new DeliveryListQuery(state, since, until, limit);
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
    }

    private static Instant time(Map<String, List<String>> params, String name, List<FieldError> problems) {
        String v = single(params, name);
        if (v == null) {
            return null;
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(v.trim(), OffsetDateTime::from).toInstant();
        } catch (DateTimeParseException e) {
            problems.add(new FieldError(name, "must be an ISO-8601 date-time with an offset, such as "
                    + "2026-11-27T10:15:30Z (write + as %2B in a URL), got '" + v + "'"));
            return null;
        }
    }
}
