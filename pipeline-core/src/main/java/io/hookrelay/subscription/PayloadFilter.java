package io.hookrelay.subscription;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.event.EventFields;

/**
 * Conditions on an event's field values, a subscription's {@code where}, all of which must hold. Written as JSON, field name to conditions:
 * <pre>
 * {"country": {"in": ["BR", "MX"]}, "is_test": {"eq": false}, "amount": {"gte": "100", "lt": "5000"}}
 * </pre>
 * {@code eq} and {@code in} work on any field, the contract's or one an operator added (compared as
 * text, so {@code false} matches the boolean and {@code "false"}); {@code gt gte lt lte} work on
 * {@code amount} only, as decimals. A field the event lacks satisfies no condition. A dotted name
 * ({@code tracking.sub1}) reads inside an object. Parsed once when a subscription is written, so a
 * bad filter is refused then with what is wrong, and once when it is read back.
 *
 * <p>Its JSON form is the JSON it was parsed from, kept as it was written: a subscription's
 * {@code where} reads back exactly as its owner sent it.
 */
public final class PayloadFilter {

    public static final PayloadFilter NONE = new PayloadFilter(List.of(), null);
    private static final Set<String> NUMERIC = Set.of("gt", "gte", "lt", "lte");

    private record Condition(String field, String op, Set<String> values, BigDecimal bound) {
        boolean test(JsonNode event) {
            String v = valueOf(event, field);
            if (v == null) {
                return false;
            }
            if (bound == null) {
                return values.contains(v);
            }
            BigDecimal d;
            try {
                d = new BigDecimal(v);
            } catch (NumberFormatException e) {
                return false;
            }
            int c = d.compareTo(bound);
            return switch (op) {
                case "gt" -> c > 0;
                case "gte" -> c >= 0;
                case "lt" -> c < 0;
                default -> c <= 0;
            };
        }
    }

    private final List<Condition> conditions;
    /** What it was parsed from; null for {@link #NONE}. */
    private final JsonNode json;

    private PayloadFilter(List<Condition> conditions, JsonNode json) {
        this.conditions = conditions;
        this.json = json;
    }

    /**
     * Parses the JSON form.
     *
     * @throws IllegalArgumentException saying which field and condition is wrong, and why
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PayloadFilter parse(JsonNode json) {
        if (json == null || json.isNull()) {
            return NONE;
        }
        if (!json.isObject()) {
            throw new IllegalArgumentException("must be an object of field name to conditions");
        }
        List<Condition> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String field = f.getKey();
            if (field.isBlank()) {
                throw new IllegalArgumentException("a field name must not be empty");
            }
            if (!f.getValue().isObject() || f.getValue().isEmpty()) {
                throw new IllegalArgumentException(field + ": must be an object of conditions, e.g. {\"eq\": ...}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> c = f.getValue().fields(); c.hasNext(); ) {
                Map.Entry<String, JsonNode> cond = c.next();
                out.add(condition(field, cond.getKey(), cond.getValue()));
            }
        }
        return new PayloadFilter(List.copyOf(out), json.deepCopy());
    }

    private static Condition condition(String field, String op, JsonNode value) {
        String where = field + "." + op;
        if (op.equals("eq")) {
            return new Condition(field, op, Set.of(scalar(where, value)), null);
        }
        if (op.equals("in")) {
            if (!value.isArray() || value.isEmpty()) {
                throw new IllegalArgumentException(where + ": must be a non-empty array of values");
            }
            Set<String> values = new LinkedHashSet<>();
            value.forEach(v -> values.add(scalar(where, v)));
            return new Condition(field, op, Set.copyOf(values), null);
        }
        if (NUMERIC.contains(op)) {
            if (!field.equals(EventFields.AMOUNT)) {
                throw new IllegalArgumentException(where + ": numeric comparisons work on amount only");
            }
            try {
                return new Condition(field, op, Set.of(), new BigDecimal(scalar(where, value)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": must be a decimal such as \"100.00\"");
            }
        }
        throw new IllegalArgumentException(where + ": unknown condition; expected eq, in, or (on amount) gt, gte, lt, lte");
    }

    private static String scalar(String where, JsonNode v) {
        if (v == null || !v.isValueNode() || v.isNull()) {
            throw new IllegalArgumentException(where + ": must be a string, number or boolean");
        }
        return v.asText();
    }

    private static String valueOf(JsonNode event, String name) {
        JsonNode n = event;
        for (String part : name.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || !n.isValueNode() || n.isNull() ? null : n.asText();
    }

    /** Whether every condition holds for {@code event}. */
    public boolean test(JsonNode event) {
        for (Condition c : conditions) {
            if (!c.test(event)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return conditions.isEmpty();
    }

    /** The JSON this filter was parsed from (a copy); null for {@link #NONE}. */
    @JsonValue
    public JsonNode json() {
        return json == null ? null : json.deepCopy();
    }

    /** Equal when parsed from equal JSON. */
    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadFilter other && Objects.equals(json, other.json);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(json);
    }

    @Override
    public String toString() {
        return json == null ? "{}" : json.toString();
    }
}
