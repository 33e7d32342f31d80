package io.hookrelay.retry.service;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.event.FieldError;

/**
 * Which dead letters a list or a redrive takes: the filters of {@code GET /v1/dead-letters} and
 * {@code POST /v1/dead-letters/redrive}, and of the ops command line. Every filter is optional;
 * they combine with AND.
 *
 * @param operatorId only this operator's letters, which excludes unreadable letters (they have no
 *                   operator); null for every operator, as ops see the topic
 * @param since      letters dead-lettered at or after this instant (inclusive); null for no bound
 * @param until      letters dead-lettered before this instant (exclusive); null for no bound
 * @param limit      at most this many letters are listed or redriven
 * @param webhookIds only the letters of these deliveries (the console's selection); empty for any
 */
public record DeadLetterQuery(String operatorId, String subscriptionId, DeadReason reason, Instant since,
                              Instant until, int limit, Set<String> webhookIds) {

    // Wire contract: the query parameter (and JSON body) names of the dead-letter API.
    public static final String SUBSCRIPTION_ID = "subscription_id";
    public static final String REASON = "reason";
    public static final String SINCE = "since";
    public static final String UNTIL = "until";
    public static final String LIMIT = "limit";
    /** Comma-separated {@code msg_} ids: a selection of letters rather than a filter over them. */
    public static final String WEBHOOK_ID = "webhook_id";
    public static final List<String> PARAMETERS = List.of(SUBSCRIPTION_ID, REASON, SINCE, UNTIL, LIMIT, WEBHOOK_ID);
    /** Ids one selection may name: a page of the console's list. */
    public static final int MAX_WEBHOOK_IDS = 1000;

    public static final int LIST_DEFAULT_LIMIT = 100;
    public static final int LIST_MAX_LIMIT = 1000;
    public static final int REDRIVE_DEFAULT_LIMIT = 1000;
    public static final int REDRIVE_MAX_LIMIT = 10_000;

    /** Every filter but a selection of ids. */
    public DeadLetterQuery(String operatorId, String subscriptionId, DeadReason reason, Instant since, Instant until,
                           int limit) {
        this(operatorId, subscriptionId, reason, since, until, limit, Set.of());
    }

    public DeadLetterQuery {
        webhookIds = webhookIds == null ? Set.of() : Set.copyOf(webhookIds);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("since (" + since + ") must be before until (" + until + ")");
        }
    }

    /** Filters given by name, as in a request; what is wrong with them, one problem per parameter. */
    public static final class InvalidFilters extends IllegalArgumentException {

        private final List<FieldError> problems;

        InvalidFilters(List<FieldError> problems) {
            super(problems.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
            this.problems = List.copyOf(problems);
        }

        /** One problem per bad parameter; {@code field} is the parameter's name. */
        public List<FieldError> problems() {
            return problems;
        }
    }

    /**
     * Reads filters given by parameter name ({@link #PARAMETERS}); blank values count as not given.
     *
     * @param operatorId the operator the caller is scoped to, or null for ops (every operator)
     * @throws InvalidFilters naming every unknown parameter and every bad value at once
     */
    public static DeadLetterQuery parse(Map<String, String> params, String operatorId, int defaultLimit, int maxLimit) {
        List<FieldError> problems = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!PARAMETERS.contains(name)) {
                // Refused rather than ignored: a misspelt filter on a redrive would widen it to everything.
                problems.add(new FieldError(name, "unknown parameter; the filters are " + String.join(", ", PARAMETERS)));
            }
        }
        String subscription = blankToNull(params.get(SUBSCRIPTION_ID));
        DeadReason reason = null;
        String reasonText = blankToNull(params.get(REASON));
        if (reasonText != null) {
            reason = Arrays.stream(DeadReason.values()).filter(r -> r.wire().equals(reasonText)).findFirst().orElse(null);
            if (reason == null) {
                problems.add(new FieldError(REASON, "must be one of " + Arrays.stream(DeadReason.values())
                        .map(DeadReason::wire).collect(Collectors.joining(", ")) + ", got '" + reasonText + "'"));
            }
        }
        Instant since = time(params, SINCE, problems);
        Instant until = time(params, UNTIL, problems);
        if (since != null && until != null && !since.isBefore(until)) {
            problems.add(new FieldError(SINCE, "must be before until, got since " + since + " and until " + until));
        }
        int limit = defaultLimit;
        String limitText = blankToNull(params.get(LIMIT));
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText.trim());
                if (limit < 1 || limit > maxLimit) {
                    problems.add(new FieldError(LIMIT, "must be between 1 and " + maxLimit + ", got " + limit));
                }
            } catch (NumberFormatException e) {
                problems.add(new FieldError(LIMIT, "must be a whole number between 1 and " + maxLimit + ", got '"
                        + limitText + "'"));
            }
        }
        Set<String> ids = new LinkedHashSet<>();
        String idsText = blankToNull(params.get(WEBHOOK_ID));
        if (idsText != null) {
            for (String id : idsText.split(",")) {
                if (!id.isBlank()) {
                    ids.add(id.trim());
                }
            }
            if (ids.size() > MAX_WEBHOOK_IDS) {
                problems.add(new FieldError(WEBHOOK_ID, "names " + ids.size() + " deliveries; at most "
                        + MAX_WEBHOOK_IDS + " at once"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidFilters(problems);
        }
        return new DeadLetterQuery(operatorId, subscription, reason, since, until, limit, ids);
    }

    /** True when {@code letter} passes every filter. */
    boolean matches(DeadLetter letter) {
        if (operatorId != null && !operatorId.equals(letter.operatorId())) {
            return false;
        }
        if (subscriptionId != null && !subscriptionId.equals(letter.subscriptionId())) {
            return false;
        }
        if (reason != null && !reason.wire().equals(letter.reason())) {
            return false;
        }
        if (!webhookIds.isEmpty() && !webhookIds.contains(letter.webhookId())) {
            return false;
        }
        if (since != null && letter.deadAt().isBefore(since)) {
            return false;
        }
        return until == null || letter.deadAt().isBefore(until);
    }

    private static Instant time(Map<String, String> params, String name, List<FieldError> problems) {
        String v = blankToNull(params.get(name));
        if (v == null) {
            return null;
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(v.trim(), OffsetDateTime::from).toInstant();
        } catch (DateTimeParseException e) {
            problems.add(new FieldError(name, "must be an ISO-8601 date-time with an offset, such as "
                    + "2026-11-27T10:15:30Z or 2026-11-27T11:15:30+01:00 (write + as %2B in a URL), got '" + v + "'"));
            return null;
        }
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }
}
