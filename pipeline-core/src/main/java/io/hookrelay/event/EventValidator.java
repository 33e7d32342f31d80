package io.hookrelay.event;

import static io.hookrelay.event.EventFields.*;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;

/**
 * Decides whether an event is one the contract (§3) accepts, and if so produces its canonical form:
 * known fields only, {@code occurred_at} in UTC, {@code is_test} present. The same rules apply to
 * events from the HTTP API, JSON records and Avro records, so every entry point rejects the same
 * input with the same words. Fields the contract does not name are refused rather than passed on,
 * so no data beyond the contract's reaches a subscriber.
 */
public final class EventValidator {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");
    private static final Pattern OPERATOR = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern AMOUNT_FORMAT = Pattern.compile("-?(0|[1-9]\\d{0,17})(\\.\\d{1,8})?");
    private static final Set<String> CURRENCIES =
            Currency.getAvailableCurrencies().stream().map(Currency::getCurrencyCode).collect(Collectors.toSet());
    private static final List<String> KYC_STATUSES = List.of("pending", "approved", "rejected", "expired");
    private static final List<String> AFFILIATE_STATUSES = List.of("pending", "active", "suspended", "blocked", "declined");
    private static final List<String> COMMISSION_MODELS = List.of("CPA", "REVSHARE", "HYBRID", "CPL");
    private static final int MAX_TEXT = 256;
    /** Affiliate tracking began after this; an earlier occurred_at is a wrong clock or a typo. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** Clock skew between a producer and ingest that occurred_at may show. */
    static final Duration MAX_AHEAD = Duration.ofDays(1);
    /** The only event type whose amount may be negative: a reversal may be written as minus what it undoes. */
    private static final String NEGATIVE_AMOUNT_TYPE = "commission.reversed";

    private final Clock clock;

    /** @param clock tells how far ahead an occurred_at may be ({@link #MAX_AHEAD}) */
    public EventValidator(Clock clock) {
        this.clock = clock;
    }

    private static final Set<String> COMMON = Set.of(EVENT_ID, EVENT_TYPE, OCCURRED_AT, OPERATOR_ID, BRAND_ID,
            AFFILIATE_ID, PLAYER_REF, TRACKING, IS_TEST);
    private static final Map<EventFamily, Set<String>> OWN_FIELDS = Map.of(
            EventFamily.CONVERSION, Set.of(TRANSACTION_ID, AMOUNT, CURRENCY, DEPOSIT_COUNT),
            EventFamily.KYC, Set.of(STATUS, PREVIOUS_STATUS, REASON_CODE),
            EventFamily.CHARGEBACK, Set.of(TRANSACTION_ID, ORIGINAL_TRANSACTION_ID, AMOUNT, CURRENCY, REASON_CODE),
            EventFamily.COMMISSION, Set.of(COMMISSION_ID, MODEL, AMOUNT, CURRENCY, RELATED_TRANSACTION_ID, REASON),
            EventFamily.AFFILIATE, Set.of(STATUS, PREVIOUS_STATUS));

    /**
     * Validates one event.
     *
     * @param event the parsed JSON (or Avro converted to JSON)
     * @param topicFamily the family of the topic it came from, or null when it came through the API
     */
    public ValidationResult validate(JsonNode event, EventFamily topicFamily) {
        Check c = new Check(event);
        if (!event.isObject()) {
            c.errors.add(new FieldError("(event)", "must be a JSON object, got " + describe(event)));
            return new ValidationResult(null, null, c.errors);
        }
        ObjectNode out = Json.object();
        String eventId = c.text(EVENT_ID, true, ID, "at most 128 letters, digits or ._:@/+=-");
        String type = c.text(EVENT_TYPE, true, null, null);
        EventFamily family = null;
        if (type != null) {
            Optional<EventFamily> f = EventFamily.ofEventType(type);
            if (f.isEmpty()) {
                c.errors.add(new FieldError(EVENT_TYPE, "unknown event type '" + type + "'; expected one of "
                        + String.join(", ", EventFamily.allEventTypes())));
            } else if (topicFamily != null && f.get() != topicFamily) {
                c.errors.add(new FieldError(EVENT_TYPE, "'" + type + "' is not a " + topicFamily.wireName()
                        + " event type, so it cannot be produced to " + topicFamily.topic()));
            } else {
                family = f.get();
            }
        }
        String occurredAt = c.text(OCCURRED_AT, true, null, null);
        Instant occurred = null;
        if (occurredAt != null) {
            try {
                occurred = OffsetDateTime.parse(occurredAt).toInstant();
            } catch (DateTimeParseException e) {
                c.errors.add(new FieldError(OCCURRED_AT, "must be an ISO-8601 time with offset, such as "
                        + "2026-11-27T10:15:30Z; got '" + Check.abbreviate(occurredAt) + "'"));
            }
            Instant latest = clock.instant().plus(MAX_AHEAD);
            if (occurred != null && occurred.isBefore(EARLIEST)) {
                c.errors.add(new FieldError(OCCURRED_AT, "is " + occurred + ", before " + EARLIEST
                        + ", the earliest time accepted"));
                occurred = null;
            } else if (occurred != null && occurred.isAfter(latest)) {
                c.errors.add(new FieldError(OCCURRED_AT, "is " + occurred + ", more than 24 hours after now ("
                        + clock.instant() + "); it is when the event happened, so at most a day of clock skew is accepted"));
                occurred = null;
            }
        }
        String operator = c.text(OPERATOR_ID, true, OPERATOR, "at most 64 letters, digits or ._-");
        String brand = c.text(BRAND_ID, false, null, null);
        String affiliate = c.text(AFFILIATE_ID, family != null && family != EventFamily.KYC, null, null);
        String player = c.text(PLAYER_REF, family != null && family != EventFamily.AFFILIATE, null, null);
        ObjectNode tracking = c.tracking();
        boolean isTest = c.bool(IS_TEST);

        put(out, EVENT_ID, eventId);
        put(out, EVENT_TYPE, type);
        if (occurred != null) {
            out.put(OCCURRED_AT, occurred.toString());
        }
        put(out, OPERATOR_ID, operator);
        put(out, BRAND_ID, brand);
        put(out, AFFILIATE_ID, affiliate);
        put(out, PLAYER_REF, player);
        if (tracking != null) {
            out.set(TRACKING, tracking);
        }
        out.put(IS_TEST, isTest);

        if (family != null) {
            familyFields(family, type, c, out);
            Set<String> allowed = new LinkedHashSet<>(COMMON);
            allowed.addAll(OWN_FIELDS.get(family));
            for (Iterator<String> it = event.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!allowed.contains(name)) {
                    c.errors.add(new FieldError(name, "is not a field of " + family.wireName()
                            + " events; the contract names: " + String.join(", ", allowed)));
                }
            }
        }
        return new ValidationResult(c.errors.isEmpty() ? out : null, family, c.errors);
    }

    private static void familyFields(EventFamily family, String type, Check c, ObjectNode out) {
        switch (family) {
            case CONVERSION -> {
                boolean registration = type.equals("conversion.registration");
                if (registration) {
                    c.absent(TRANSACTION_ID, "is not sent with conversion.registration");
                    c.absent(AMOUNT, "is not sent with conversion.registration");
                    c.absent(CURRENCY, "is not sent with conversion.registration");
                } else {
                    put(out, TRANSACTION_ID, c.text(TRANSACTION_ID, true, ID, "at most 128 letters, digits or ._:@/+=-"));
                    money(c, out, type);
                }
                JsonNode count = c.event.get(DEPOSIT_COUNT);
                if (count != null && !count.isNull()) {
                    // canConvertToInt before intValue: a BigInteger's intValue keeps its low bits, so
                    // 18446744073709551621 would read as 5.
                    if (!count.isIntegralNumber() || !count.canConvertToInt() || count.intValue() < 0) {
                        c.errors.add(new FieldError(DEPOSIT_COUNT, "must be a whole number from 0 to " + Integer.MAX_VALUE
                                + ", got " + (count.isNumber() ? Check.abbreviate(count.asText()) : describe(count))));
                    } else {
                        out.put(DEPOSIT_COUNT, count.asInt());
                    }
                }
            }
            case KYC -> {
                put(out, STATUS, c.oneOf(STATUS, true, KYC_STATUSES));
                put(out, PREVIOUS_STATUS, c.oneOf(PREVIOUS_STATUS, true, KYC_STATUSES));
                put(out, REASON_CODE, c.text(REASON_CODE, false, null, null));
            }
            case CHARGEBACK -> {
                put(out, TRANSACTION_ID, c.text(TRANSACTION_ID, true, ID, "at most 128 letters, digits or ._:@/+=-"));
                put(out, ORIGINAL_TRANSACTION_ID, c.text(ORIGINAL_TRANSACTION_ID, true, ID, "at most 128 letters, digits or ._:@/+=-"));
                money(c, out, type);
                put(out, REASON_CODE, c.text(REASON_CODE, true, null, null));
            }
            case COMMISSION -> {
                put(out, COMMISSION_ID, c.text(COMMISSION_ID, true, ID, "at most 128 letters, digits or ._:@/+=-"));
                put(out, MODEL, c.oneOf(MODEL, true, COMMISSION_MODELS));
                money(c, out, type);
                put(out, RELATED_TRANSACTION_ID, c.text(RELATED_TRANSACTION_ID, false, null, null));
                put(out, REASON, c.text(REASON, type.equals("commission.reversed"), null, null));
            }
            case AFFILIATE -> {
                put(out, STATUS, c.oneOf(STATUS, true, AFFILIATE_STATUSES));
                put(out, PREVIOUS_STATUS, c.oneOf(PREVIOUS_STATUS, true, AFFILIATE_STATUSES));
            }
            default -> throw new IllegalStateException("unhandled family " + family);
        }
    }

    private static void money(Check c, ObjectNode out, String type) {
        String amount = c.text(AMOUNT, true, null, null);
        if (amount != null && !AMOUNT_FORMAT.matcher(amount).matches()) {
            c.errors.add(new FieldError(AMOUNT, "must be a decimal string such as \"125.50\" (at most 8 decimals), got '" + amount + "'"));
        } else if (amount != null && amount.startsWith("-") && !type.equals(NEGATIVE_AMOUNT_TYPE)) {
            // A chargeback or a reversal says its direction by its type; the amount is how much.
            c.errors.add(new FieldError(AMOUNT, "must not be negative for " + type + ", got '" + amount
                    + "'; only " + NEGATIVE_AMOUNT_TYPE + " may carry a negative amount"));
        } else {
            put(out, AMOUNT, amount);
        }
        String currency = c.text(CURRENCY, true, null, null);
        if (currency != null && !CURRENCIES.contains(currency)) {
            c.errors.add(new FieldError(CURRENCY, "must be an ISO-4217 code such as EUR or USD, got '" + currency + "'"));
        } else {
            put(out, CURRENCY, currency);
        }
    }

    private static void put(ObjectNode out, String field, String value) {
        if (value != null) {
            out.put(field, value);
        }
    }

    static String describe(JsonNode n) {
        JsonNodeType t = n.getNodeType();
        return switch (t) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase();
        };
    }

    /** Collects errors while reading one event's fields. */
    private static final class Check {
        final JsonNode event;
        final List<FieldError> errors = new ArrayList<>();

        Check(JsonNode event) {
            this.event = event;
        }

        String text(String field, boolean required, Pattern pattern, String patternText) {
            JsonNode n = event.get(field);
            if (n == null || n.isNull()) {
                if (required) {
                    errors.add(new FieldError(field, "is required"));
                }
                return null;
            }
            if (!n.isTextual() && field.equals(AMOUNT)) {
                errors.add(new FieldError(field, "must be a decimal string such as \"125.50\", never a number, got " + n));
                return null;
            }
            if (!n.isTextual()) {
                errors.add(new FieldError(field, "must be a string, got " + describe(n)));
                return null;
            }
            String v = n.textValue();
            if (v.isBlank()) {
                errors.add(new FieldError(field, "must not be empty"));
                return null;
            }
            if (pattern != null && !pattern.matcher(v).matches()) {
                errors.add(new FieldError(field, "must be " + patternText + ", got '" + abbreviate(v) + "'"));
                return null;
            }
            if (v.length() > MAX_TEXT) {
                errors.add(new FieldError(field, "is " + v.length() + " characters long; at most " + MAX_TEXT + " are allowed"));
                return null;
            }
            return v;
        }

        String oneOf(String field, boolean required, List<String> allowed) {
            String v = text(field, required, null, null);
            if (v != null && !allowed.contains(v)) {
                errors.add(new FieldError(field, "must be one of " + String.join(", ", allowed) + ", got '" + abbreviate(v) + "'"));
                return null;
            }
            return v;
        }

        void absent(String field, String why) {
            JsonNode n = event.get(field);
            if (n != null && !n.isNull()) {
                errors.add(new FieldError(field, why));
            }
        }

        boolean bool(String field) {
            JsonNode n = event.get(field);
            if (n == null || n.isNull()) {
                return false;
            }
            if (!n.isBoolean()) {
                errors.add(new FieldError(field, "must be true or false, got " + describe(n)));
                return false;
            }
            return n.booleanValue();
        }

        ObjectNode tracking() {
            JsonNode n = event.get(TRACKING);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isObject()) {
                errors.add(new FieldError(TRACKING, "must be an object of strings, got " + describe(n)));
                return null;
            }
            ObjectNode out = Json.object();
            n.fields().forEachRemaining(e -> {
                String key = TRACKING + "." + e.getKey();
                if (!TRACKING_KEYS.contains(e.getKey())) {
                    errors.add(new FieldError(key, "is not a tracking key; expected one of " + String.join(", ", TRACKING_KEYS)));
                } else if (!e.getValue().isTextual()) {
                    errors.add(new FieldError(key, "must be a string, got " + describe(e.getValue())));
                } else if (e.getValue().textValue().length() > MAX_TEXT) {
                    errors.add(new FieldError(key, "is longer than " + MAX_TEXT + " characters"));
                } else {
                    out.put(e.getKey(), e.getValue().textValue());
                }
            });
            return out;
        }

        static String abbreviate(String v) {
            return v.length() <= 40 ? v : v.substring(0, 40) + "...";
        }
    }
}
