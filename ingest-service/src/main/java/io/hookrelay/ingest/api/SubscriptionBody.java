package io.hookrelay.ingest.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.subscription.EventTypePattern;
import io.hookrelay.subscription.PayloadFilter;
import io.hookrelay.subscription.Postback;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.TargetPolicy;

/**
 * The body of {@code POST} and {@code PATCH /v1/subscriptions}: the fields a client may set, each
 * checked, every problem reported at once as {@code {"field", "message"}} details. A create body
 * needs {@code url} and {@code event_types}; a patch body changes only the fields it names. The
 * limits {@code max_in_flight} and {@code rate_limit_per_second} are optional integers; null (or,
 * on create, absent) means the default: {@value Subscription#DEFAULT_MAX_IN_FLIGHT} in flight, no
 * rate limit. The payload controls {@code where}, {@code fields} and {@code player_ref} are optional;
 * null (or absent on create) means none: every event the other filters let through, every field,
 * {@code player_ref} as the operator sent it. In {@code "mode": "postback"}, {@code url_template} replaces
 * {@code url} (which then shows its {@code scheme://host[:port]}); the postback settings are checked
 * together once a patch is merged, so a template is refused naming the macro at fault.
 */
final class SubscriptionBody {

    static final String URL = "url";
    static final String EVENT_TYPES = "event_types";
    static final String FILTER = "filter";
    static final String DESCRIPTION = "description";
    static final String ENABLED = "enabled";
    static final String MAX_IN_FLIGHT = "max_in_flight";
    static final String RATE_LIMIT = "rate_limit_per_second";
    static final String FILTER_BRAND = "brand_id";
    static final String FILTER_AFFILIATE = "affiliate_id";
    static final String WHERE = "where";
    static final String FIELDS = "fields";
    static final String PLAYER_REF = "player_ref";
    static final String MODE = "mode";
    static final String URL_TEMPLATE = "url_template";
    static final String METHOD = "method";
    static final String DIALECT = "dialect";
    static final String BODY_TEMPLATE = "body_template";
    static final String BODY_ENCODING = "body_encoding";
    static final String VALUE_MAP = "value_map";
    static final List<String> WRITABLE = List.of(URL, EVENT_TYPES, FILTER, DESCRIPTION, ENABLED, MAX_IN_FLIGHT,
            RATE_LIMIT, WHERE, FIELDS, PLAYER_REF, MODE, URL_TEMPLATE, METHOD, DIALECT, BODY_TEMPLATE, BODY_ENCODING,
            VALUE_MAP);
    private static final Set<String> READ_ONLY = Set.of("id", "operator_id", "secret", "disabled_reason",
            "created_at", "updated_at", "player_ref_key");
    /** Why a subscription disabled through the API is disabled, as opposed to the dispatcher's reasons. */
    static final String DISABLED_BY_API = "disabled through the API";
    private static final int MAX_URL = 2048;
    private static final int MAX_DESCRIPTION = 1024;
    private static final int MAX_FILTER_VALUE = 256;

    private final List<Map<String, String>> errors = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private String url;
    private List<String> eventTypes;
    private Subscription.Filter filter;
    private String description;
    private Boolean enabled;
    /** Null: not in the body, or null in it (the default); see {@link #limit}. */
    private Integer maxInFlight;
    private Integer rateLimit;
    private PayloadFilter where;
    private List<String> fields;
    private String playerRef;
    /** The postback settings as sent (null: absent or null); checked together once merged, see {@link #postback}. */
    private final Map<String, String> postbackText = new LinkedHashMap<>();
    private Map<String, Map<String, String>> valueMap;

    private SubscriptionBody() {
    }

    /** A new subscription from a create body. */
    static Subscription create(JsonNode body, TargetPolicy targets, String id, String operator, String secret, Instant now) {
        SubscriptionBody b = read(body, targets);
        String mode = b.postbackText.get(MODE);
        if (body.isObject() && !body.has(URL) && !Subscription.MODE_POSTBACK.equals(mode)) {
            b.error(URL, "is required (or mode \"postback\" with a url_template)");
        }
        if (body.isObject() && !body.has(EVENT_TYPES)) {
            b.error(EVENT_TYPES, "is required; [\"*\"] subscribes to every event type");
        }
        b.postback(targets, mode, b.postbackText.get(URL_TEMPLATE), b.postbackText.get(METHOD),
                b.postbackText.get(DIALECT), b.postbackText.get(BODY_TEMPLATE), b.postbackText.get(BODY_ENCODING),
                b.valueMap);
        b.throwIfInvalid();
        Subscription.Filter filter = b.filter == null ? Subscription.Filter.NONE : b.filter;
        boolean enabled = b.enabled == null || b.enabled;
        return Subscription.builder(id, operator, b.url).eventTypes(b.eventTypes).filter(filter)
                .description(b.description).enabled(enabled).disabledReason(enabled ? null : DISABLED_BY_API)
                .secret(secret).createdAt(now).updatedAt(now)
                .limits(b.maxInFlight == null ? Subscription.DEFAULT_MAX_IN_FLIGHT : b.maxInFlight, b.rateLimit)
                .where(b.where).fields(b.fields).playerRef(b.playerRef, Secrets.newPlayerRefKey())
                .mode(mode).urlTemplate(b.postbackText.get(URL_TEMPLATE)).method(b.postbackText.get(METHOD))
                .dialect(b.postbackText.get(DIALECT)).bodyTemplate(b.postbackText.get(BODY_TEMPLATE))
                .bodyEncoding(b.postbackText.get(BODY_ENCODING)).valueMap(b.valueMap)
                .build();
    }

    /** {@code current} with the fields of a patch body applied. */
    static Subscription patch(JsonNode body, TargetPolicy targets, Subscription current, Instant now) {
        SubscriptionBody b = read(body, targets);
        String mode = b.kept(body, MODE, current.mode());
        String urlTemplate = b.kept(body, URL_TEMPLATE, current.urlTemplate());
        String method = b.kept(body, METHOD, current.method());
        String dialect = b.kept(body, DIALECT, current.dialect());
        String bodyTemplate = b.kept(body, BODY_TEMPLATE, current.bodyTemplate());
        String bodyEncoding = b.kept(body, BODY_ENCODING, current.bodyEncoding());
        Map<String, Map<String, String>> valueMap = body.has(VALUE_MAP) ? b.valueMap : current.valueMap();
        b.postback(targets, mode, urlTemplate, method, dialect, bodyTemplate, bodyEncoding, valueMap);
        b.throwIfInvalid();
        boolean postback = Subscription.MODE_POSTBACK.equals(mode);
        // A postback's url is its template's scheme://host[:port] unless set: recomputed when the template changes.
        String url = b.url != null ? b.url
                : postback && (body.has(URL_TEMPLATE) || body.has(MODE)) ? null : current.url();
        boolean enabled = b.enabled == null ? current.enabled() : b.enabled;
        String disabledReason;
        if (enabled) {
            disabledReason = null;
        } else {
            // Keep the dispatcher's reason (gone, failing) when the subscription was already disabled.
            disabledReason = !current.enabled() && current.disabledReason() != null ? current.disabledReason() : DISABLED_BY_API;
        }
        return Subscription.builder(current.id(), current.operatorId(), url)
                .eventTypes(b.eventTypes != null ? b.eventTypes : current.eventTypes())
                .filter(body.has(FILTER) ? (b.filter == null ? Subscription.Filter.NONE : b.filter) : current.filter())
                .description(body.has(DESCRIPTION) ? b.description : current.description())
                .enabled(enabled).disabledReason(disabledReason)
                .secret(current.secret()).createdAt(current.createdAt()).updatedAt(now)
                .limits(body.has(MAX_IN_FLIGHT)
                                ? (b.maxInFlight == null ? Subscription.DEFAULT_MAX_IN_FLIGHT : b.maxInFlight)
                                : current.maxInFlight(),
                        body.has(RATE_LIMIT) ? b.rateLimit : current.rateLimitPerSecond())
                .previousSecret(current.previousSecret(), current.previousSecretExpiresAt())
                .where(body.has(WHERE) ? b.where : current.where())
                .fields(body.has(FIELDS) ? b.fields : current.fields())
                .playerRef(body.has(PLAYER_REF) ? b.playerRef : current.playerRef(),
                        // Subscriptions made before player_ref existed have no key yet.
                        current.playerRefKey() != null ? current.playerRefKey() : Secrets.newPlayerRefKey())
                .mode(mode).urlTemplate(urlTemplate).method(method).dialect(dialect).bodyTemplate(bodyTemplate)
                .bodyEncoding(bodyEncoding).valueMap(valueMap)
                .build();
    }

    private static SubscriptionBody read(JsonNode body, TargetPolicy targets) {
        SubscriptionBody b = new SubscriptionBody();
        if (!body.isObject()) {
            b.error("(body)", "must be a JSON object, got " + describe(body));
            return b;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case URL -> b.url(v, targets);
                case EVENT_TYPES -> b.eventTypes(v);
                case FILTER -> b.filter(v);
                case DESCRIPTION -> b.description(v);
                case ENABLED -> b.enabled(v);
                case MAX_IN_FLIGHT -> b.maxInFlight = b.limit(MAX_IN_FLIGHT, v, Subscription.MIN_MAX_IN_FLIGHT,
                        Subscription.MAX_MAX_IN_FLIGHT, "null for the default of " + Subscription.DEFAULT_MAX_IN_FLIGHT);
                case RATE_LIMIT -> b.rateLimit = b.limit(RATE_LIMIT, v, Subscription.MIN_RATE_LIMIT,
                        Subscription.MAX_RATE_LIMIT, "null for no limit");
                case WHERE -> b.where(v);
                case FIELDS -> b.fields(v);
                case PLAYER_REF -> b.playerRef(v);
                case MODE, URL_TEMPLATE, METHOD, DIALECT, BODY_TEMPLATE, BODY_ENCODING -> b.postbackText(e.getKey(), v);
                case VALUE_MAP -> b.valueMap(v);
                default -> b.error(e.getKey(), READ_ONLY.contains(e.getKey())
                        ? "is set by the service and cannot be written"
                        : "is not a subscription field; expected " + String.join(", ", WRITABLE));
            }
        }
        return b;
    }

    private void url(JsonNode v, TargetPolicy targets) {
        if (!v.isTextual()) {
            error(URL, "must be a string, got " + describe(v));
            return;
        }
        if (v.textValue().length() > MAX_URL) {
            error(URL, "is longer than " + MAX_URL + " characters");
            return;
        }
        targets.problem(v.textValue()).ifPresentOrElse(p -> error(URL, p), () -> url = v.textValue());
    }

    private void eventTypes(JsonNode v) {
        if (!v.isArray()) {
            error(EVENT_TYPES, "must be an array of event types such as [\"conversion.ftd\", \"commission.*\"], got "
                    + describe(v));
            return;
        }
        if (v.isEmpty()) {
            error(EVENT_TYPES, "must name at least one event type; [\"*\"] subscribes to every event type");
            return;
        }
        Set<String> types = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
            JsonNode t = v.get(i);
            String field = EVENT_TYPES + "[" + i + "]";
            if (!t.isTextual()) {
                error(field, "must be a string, got " + describe(t));
                ok = false;
                continue;
            }
            var problem = EventTypePattern.problem(t.textValue());
            if (problem.isPresent()) {
                error(field, problem.get());
                ok = false;
            } else {
                types.add(t.textValue());
            }
        }
        if (ok) {
            eventTypes = List.copyOf(types);
        }
    }

    private void filter(JsonNode v) {
        if (v.isNull()) {
            filter = null;
            return;
        }
        if (!v.isObject()) {
            error(FILTER, "must be an object such as {\"brand_id\": [\"b1\"], \"affiliate_id\": [\"a1\"]}, got "
                    + describe(v));
            return;
        }
        List<String> brands = List.of();
        List<String> affiliates = List.of();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case FILTER_BRAND -> brands = strings(FILTER + "." + FILTER_BRAND, e.getValue());
                case FILTER_AFFILIATE -> affiliates = strings(FILTER + "." + FILTER_AFFILIATE, e.getValue());
                default -> error(FILTER + "." + e.getKey(), "is not a filter; expected " + FILTER_BRAND + " or "
                        + FILTER_AFFILIATE);
            }
        }
        filter = new Subscription.Filter(brands, affiliates);
    }

    /** A list of non-empty strings; null means no restriction. */
    private List<String> strings(String field, JsonNode v) {
        if (v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            error(field, "must be an array of strings, got " + describe(v));
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (!s.isTextual() || s.textValue().isBlank()) {
                error(field + "[" + i + "]", "must be a non-empty string, got " + describe(s));
            } else if (s.textValue().length() > MAX_FILTER_VALUE) {
                error(field + "[" + i + "]", "is longer than " + MAX_FILTER_VALUE + " characters");
            } else {
                out.add(s.textValue());
            }
        }
        return List.copyOf(out);
    }

    private void where(JsonNode v) {
        if (v.isNull()) {
            return;
        }
        try {
            where = PayloadFilter.parse(v);
        } catch (IllegalArgumentException e) {
            // The message starts with the field and condition at fault: "amount.gt: must be a decimal ...".
            String message = e.getMessage();
            int colon = message.indexOf(": ");
            if (colon > 0) {
                error(WHERE + "." + message.substring(0, colon), message.substring(colon + 2));
            } else {
                error(WHERE, message);
            }
        }
    }

    private void fields(JsonNode v) {
        if (!v.isNull()) {
            fields = strings(FIELDS, v);
        }
    }

    private void playerRef(JsonNode v) {
        if (v.isNull()) {
            return;
        }
        if (v.isTextual() && (v.textValue().equals(Subscription.PLAYER_REF_PLAIN)
                || v.textValue().equals(Subscription.PLAYER_REF_HASHED))) {
            playerRef = v.textValue();
        } else {
            error(PLAYER_REF, "must be \"" + Subscription.PLAYER_REF_PLAIN + "\" or \"" + Subscription.PLAYER_REF_HASHED
                    + "\", or null for plain; got " + (v.isTextual() ? "'" + v.textValue() + "'" : describe(v)));
        }
    }

    /** The patch's value of a postback setting when the body names it (null included), else {@code current}. */
    private String kept(JsonNode body, String field, String current) {
        return body.has(field) ? postbackText.get(field) : current;
    }

    private void postbackText(String field, JsonNode v) {
        if (v.isNull()) {
            return;
        }
        if (!v.isTextual()) {
            error(field, "must be a string, got " + describe(v));
        } else if (v.textValue().length() > MAX_URL) {
            error(field, "is longer than " + MAX_URL + " characters");
        } else {
            postbackText.put(field, v.textValue());
        }
    }

    private void valueMap(JsonNode v) {
        if (v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            error(VALUE_MAP, "must be an object of field to {value: replacement}, such as {\"status\": {\"approved\": \"1\"}}; got "
                    + describe(v));
            return;
        }
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = VALUE_MAP + "." + e.getKey();
            JsonNode m = e.getValue();
            if (!m.isObject()) {
                error(field, "must be an object of value to replacement string, got " + describe(m));
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> vs = m.fields(); vs.hasNext(); ) {
                Map.Entry<String, JsonNode> r = vs.next();
                if (!r.getValue().isTextual()) {
                    error(field + "." + r.getKey(), "must be a string, got " + describe(r.getValue()));
                } else {
                    values.put(r.getKey(), r.getValue().textValue());
                }
            }
            out.put(e.getKey(), values);
        }
        valueMap = out;
    }

    /** Checks the merged postback settings (only in postback mode), each problem as an error on its field. */
    private void postback(TargetPolicy targets, String mode, String urlTemplate, String method, String dialect,
                          String bodyTemplate, String bodyEncoding, Map<String, Map<String, String>> valueMap) {
        if (mode != null && !mode.equals(Subscription.MODE_JSON) && !mode.equals(Subscription.MODE_POSTBACK)) {
            error(MODE, "must be \"" + Subscription.MODE_JSON + "\" or \"" + Subscription.MODE_POSTBACK
                    + "\", or null for json; got '" + mode + "'");
            return;
        }
        if (!Subscription.MODE_POSTBACK.equals(mode) || !errors.isEmpty()) {
            return;
        }
        try {
            Postback.check(urlTemplate, method, dialect, bodyTemplate, bodyEncoding, valueMap);
            // The same target rules as url, on the host the postback goes to (literal, so known now).
            targets.problem(Postback.endpointOf(urlTemplate))
                    .ifPresent(p -> error(URL_TEMPLATE, p));
        } catch (Postback.InvalidPostbackException e) {
            error(e.field(), e.problem());
        }
    }

    private void description(JsonNode v) {
        if (v.isNull()) {
            description = null;
        } else if (!v.isTextual()) {
            error(DESCRIPTION, "must be a string, got " + describe(v));
        } else if (v.textValue().length() > MAX_DESCRIPTION) {
            error(DESCRIPTION, "is longer than " + MAX_DESCRIPTION + " characters");
        } else {
            description = v.textValue();
        }
    }

    private void enabled(JsonNode v) {
        if (!v.isBoolean()) {
            error(ENABLED, "must be true or false, got " + describe(v));
        } else {
            enabled = v.booleanValue();
        }
    }

    /** An integer from {@code min} to {@code max}, or null; anything else is an error (and null). */
    private Integer limit(String field, JsonNode v, int min, int max, String whatNullMeans) {
        if (v.isNull()) {
            return null;
        }
        String expected = "an integer from " + min + " to " + max + ", or " + whatNullMeans;
        if (!v.isIntegralNumber()) {
            error(field, "must be " + expected + "; got " + (v.isNumber() ? v.asText() : describe(v)));
            return null;
        }
        if (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            error(field, "must be " + expected + "; got " + v.asText());
            return null;
        }
        return v.intValue();
    }

    private void error(String field, String message) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("field", field);
        d.put("message", message);
        errors.add(d);
        problems.add(field + ": " + message);
    }

    private void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw new ApiError(400, ErrorCodes.INVALID_SUBSCRIPTION, "The subscription is invalid: "
                    + ApiErrors.summarize(problems, 3), errors);
        }
    }

    private static String describe(JsonNode n) {
        JsonNodeType t = n.getNodeType();
        return switch (t) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
