package io.hookrelay.postback;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.hookrelay.event.EventFields;

/**
 * A postback template: text with macros naming event fields, as affiliate trackers expect
 * (Everflow, TUNE, Affise, Keitaro, Binom, Voluum). Parsed once, when a subscription is created or
 * changed, so that a macro naming an unknown field is refused then, naming the macro; rendered per
 * delivery, where a field absent from the event renders empty and is reported.
 *
 * <p>Values are encoded for where they go ({@link Encoding}); {@code raw:name} inserts a value as it
 * is. An optional value map replaces a field's values first (Affise and Keitaro want numeric status
 * codes: {@code {"status": {"approved": "1"}}}).
 */
public final class PostbackTemplate {

    /** How a value is written into the rendered text. */
    public enum Encoding {
        /** A URL: percent-encoding of everything but RFC 3986's unreserved characters (space is %20). */
        URL,
        /** An {@code application/x-www-form-urlencoded} body (space is +). */
        FORM,
        /** Inside a JSON string of a JSON body template. */
        JSON
    }

    /** One macro of a template, as written. */
    public record Macro(String name, boolean raw, String written) {
    }

    /** The rendered text, and the macros whose field the event did not have (rendered empty). */
    public record Rendered(String text, List<String> emptyMacros) {
    }

    /** A literal {@code scheme://authority} followed by the start of the path or query. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");
    private static final Pattern LITERAL_AUTHORITY = Pattern.compile("(?s)[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+[/?].*");

    /** Names a macro may use besides the event's own fields. */
    public static final String WEBHOOK_ID = "webhook_id";
    private static final String RAW = "raw:";

    private final String template;
    private final List<Object> parts;

    private PostbackTemplate(String template, List<Object> parts) {
        this.template = template;
        this.parts = parts;
    }

    /**
     * Parses {@code template}.
     *
     * @throws InvalidTemplateException naming the first macro that is unknown or unterminated
     */
    public static PostbackTemplate parse(String template, MacroDialect dialect) {
        if (template == null || template.isBlank()) {
            throw new InvalidTemplateException(null, "must not be empty");
        }
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int start = template.indexOf(dialect.open, i);
            if (start < 0) {
                parts.add(template.substring(i));
                break;
            }
            int end = template.indexOf(dialect.close, start + dialect.open.length());
            if (end < 0) {
                throw new InvalidTemplateException(template.substring(start),
                        "is not closed by " + dialect.close + " (macros are written " + dialect.open + "name" + dialect.close + ")");
            }
            if (start > i) {
                parts.add(template.substring(i, start));
            }
            String inner = template.substring(start + dialect.open.length(), end);
            String written = dialect.open + inner + dialect.close;
            boolean raw = inner.startsWith(RAW);
            String name = raw ? inner.substring(RAW.length()) : inner;
            if (!knownNames().contains(name)) {
                throw new InvalidTemplateException(written, "names no event field; known: " + String.join(", ", new java.util.TreeSet<>(knownNames())));
            }
            parts.add(new Macro(name, raw, written));
            i = end + dialect.close.length();
        }
        return new PostbackTemplate(template, List.copyOf(parts));
    }

    /**
     * Parses a URL template and checks that, whatever the values, it renders to an http(s) URL
     * with a host (the macros are replaced by a sample value and the result parsed), and that its
     * scheme, host and port are literal: macros only in the path and query.
     */
    public static PostbackTemplate parseUrl(String template, MacroDialect dialect) {
        PostbackTemplate t = parse(template, dialect);
        List<Macro> macros = t.macros();
        String literalStart = t.parts.get(0) instanceof String text ? text : "";
        // A template not starting with a literal scheme:// fails the sample below: its sample
        // value "x" would be part of the scheme, which is then neither http nor https.
        if (!macros.isEmpty() && SCHEME.matcher(literalStart).lookingAt()
                && !LITERAL_AUTHORITY.matcher(literalStart).matches()) {
            // The host is what the address rule checks at create: a macro there would let an event's
            // value choose where the pipeline connects (SSRF through a tracking parameter).
            throw new InvalidTemplateException(macros.get(0).written(), "is in the scheme, host or port; write "
                    + "scheme://host[:port] literally and put macros in the path, query or body, such as "
                    + "https://tracker.example/postback?cid={tracking.click_id}");
        }
        StringBuilder sample = new StringBuilder();
        for (Object p : t.parts) {
            sample.append(p instanceof Macro ? "x" : (String) p);
        }
        try {
            URI u = new URI(sample.toString());
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || u.getHost() == null) {
                throw new InvalidTemplateException(null, "does not render to an http(s) URL with a host");
            }
        } catch (URISyntaxException e) {
            throw new InvalidTemplateException(null, "does not render to a valid URL: " + e.getReason());
        }
        return t;
    }

    /** Every name a macro may use: the contract's event fields, {@code tracking.<key>} and {@code webhook_id}. */
    public static Set<String> knownNames() {
        return KNOWN;
    }

    private static final Set<String> KNOWN = known();

    private static Set<String> known() {
        Set<String> names = new LinkedHashSet<>(List.of(EventFields.EVENT_ID, EventFields.EVENT_TYPE,
                EventFields.OCCURRED_AT, EventFields.OPERATOR_ID, EventFields.BRAND_ID, EventFields.AFFILIATE_ID,
                EventFields.PLAYER_REF, EventFields.IS_TEST, EventFields.TRANSACTION_ID,
                EventFields.ORIGINAL_TRANSACTION_ID, EventFields.RELATED_TRANSACTION_ID, EventFields.AMOUNT,
                EventFields.CURRENCY, EventFields.DEPOSIT_COUNT, EventFields.STATUS, EventFields.PREVIOUS_STATUS,
                EventFields.REASON_CODE, EventFields.COMMISSION_ID, EventFields.MODEL, EventFields.REASON));
        EventFields.TRACKING_KEYS.forEach(k -> names.add(EventFields.TRACKING + "." + k));
        names.add(WEBHOOK_ID);
        return Set.copyOf(names);
    }

    /**
     * Checks a value map: each key must be a name a macro may use, and each replacement a string.
     *
     * @throws IllegalArgumentException naming the first field that is not
     */
    public static void checkValueMap(Map<String, Map<String, String>> valueMap) {
        for (Map.Entry<String, Map<String, String>> e : valueMap.entrySet()) {
            String problem = valueMapProblem(e.getKey(), e.getValue());
            if (problem != null) {
                throw new IllegalArgumentException("value_map." + e.getKey() + " " + problem);
            }
        }
    }

    /** What is wrong with the value map entry of {@code field}, or null when nothing is. */
    public static String valueMapProblem(String field, Map<String, String> replacements) {
        if (!KNOWN.contains(field)) {
            return "names no event field";
        }
        if (replacements == null || replacements.values().stream().anyMatch(v -> v == null)) {
            return "must map values to strings";
        }
        return null;
    }

    /** The macros of this template, in order. */
    public List<Macro> macros() {
        return parts.stream().filter(Macro.class::isInstance).map(Macro.class::cast).toList();
    }

    /**
     * Renders for one delivery.
     *
     * @param event     the event as delivered (after any projection)
     * @param webhookId the delivery's {@code webhook-id}
     * @param valueMap  per field, replacements of its values (values not listed pass unchanged); may be empty
     */
    public Rendered render(JsonNode event, String webhookId, Map<String, Map<String, String>> valueMap, Encoding encoding) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        List<String> empty = new ArrayList<>();
        for (Object p : parts) {
            if (!(p instanceof Macro m)) {
                out.append((String) p);
                continue;
            }
            String value = m.name().equals(WEBHOOK_ID) ? webhookId : valueOf(event, m.name());
            if (value == null) {
                empty.add(m.written());
                continue;
            }
            Map<String, String> map = valueMap.get(m.name());
            if (map != null && map.containsKey(value)) {
                value = map.get(value);
            }
            out.append(m.raw() ? value : encode(value, encoding));
        }
        return new Rendered(out.toString(), List.copyOf(empty));
    }

    private static String valueOf(JsonNode event, String name) {
        JsonNode n;
        int dot = name.indexOf('.');
        if (dot > 0) {
            n = event.path(name.substring(0, dot)).get(name.substring(dot + 1));
        } else {
            n = event.get(name);
        }
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    static String encode(String value, Encoding encoding) {
        return switch (encoding) {
            case FORM -> URLEncoder.encode(value, StandardCharsets.UTF_8);
            // URLEncoder is form encoding: make it RFC 3986 (space %20, ~ unreserved, * reserved).
            case URL -> URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                    .replace("%7E", "~");
            case JSON -> {
                String quoted = new TextNode(value).toString();
                yield quoted.substring(1, quoted.length() - 1);
            }
        };
    }

    @Override
    public String toString() {
        return template;
    }
}
