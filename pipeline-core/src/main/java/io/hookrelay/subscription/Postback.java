package io.hookrelay.subscription;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

import io.hookrelay.postback.InvalidTemplateException;
import io.hookrelay.postback.MacroDialect;
import io.hookrelay.postback.PostbackTemplate;

/**
 * The parsed postback settings of a subscription in {@value Subscription#MODE_POSTBACK} mode: its URL
 * template, method and body template. Checked when a subscription is made or read, so a record
 * that could not be rendered is refused then, naming the field and macro at fault.
 *
 * @param url the URL template, rendered with URL encoding
 * @param post whether the postback is a {@code POST} (else a {@code GET} without a body)
 * @param body the body template of a {@code POST}; null for a {@code GET}
 * @param bodyEncoding how {@code body} values are encoded: FORM or JSON
 */
public record Postback(PostbackTemplate url, boolean post, PostbackTemplate body,
                       PostbackTemplate.Encoding bodyEncoding) {

    /** A setting that cannot be used; {@link #field()} is its JSON name ({@code value_map.status} for a value map entry). */
    public static final class InvalidPostbackException extends IllegalArgumentException {
        private final String field;
        private final String problem;

        InvalidPostbackException(String field, String problem, Throwable cause) {
            super(field + ": " + problem, cause);
            this.field = field;
            this.problem = problem;
        }

        public String field() {
            return field;
        }

        /** The problem without the field name. */
        public String problem() {
            return problem;
        }
    }

    /** The postback settings of {@code s}; call only when {@link Subscription#isPostback()}. */
    public static Postback of(Subscription s) {
        return check(s.urlTemplate(), s.method(), s.dialect(), s.bodyTemplate(), s.bodyEncoding(), s.valueMap());
    }

    /**
     * Parses and checks the postback settings.
     *
     * @throws InvalidPostbackException naming the first setting that cannot be used
     */
    public static Postback check(String urlTemplate, String method, String dialect, String bodyTemplate,
                                 String bodyEncoding, Map<String, Map<String, String>> valueMap) {
        MacroDialect d = dialect == null ? MacroDialect.BRACES : MacroDialect.fromWire(dialect).orElseThrow(
                () -> new InvalidPostbackException("dialect", "is '" + dialect
                        + "'; expected braces, hash or double_braces", null));
        boolean post;
        if (method == null || method.equals(Subscription.METHOD_GET)) {
            post = false;
        } else if (method.equals(Subscription.METHOD_POST)) {
            post = true;
        } else {
            throw new InvalidPostbackException("method", "is '" + method + "'; expected GET or POST", null);
        }
        PostbackTemplate.Encoding encoding;
        if (bodyEncoding == null || bodyEncoding.equals(Subscription.BODY_FORM)) {
            encoding = PostbackTemplate.Encoding.FORM;
        } else if (bodyEncoding.equals(Subscription.BODY_JSON)) {
            encoding = PostbackTemplate.Encoding.JSON;
        } else {
            throw new InvalidPostbackException("body_encoding", "is '" + bodyEncoding + "'; expected form or json", null);
        }
        if (urlTemplate == null) {
            throw new InvalidPostbackException("url_template", "is required when mode is postback", null);
        }
        PostbackTemplate url = template("url_template", urlTemplate, d, true);
        PostbackTemplate body = null;
        if (post) {
            if (bodyTemplate == null) {
                throw new InvalidPostbackException("body_template", "is required when method is POST", null);
            }
            body = template("body_template", bodyTemplate, d, false);
        } else if (bodyTemplate != null) {
            throw new InvalidPostbackException("body_template", "is only sent with method POST; method is GET", null);
        }
        if (valueMap != null) {
            for (Map.Entry<String, Map<String, String>> e : valueMap.entrySet()) {
                String problem = PostbackTemplate.valueMapProblem(e.getKey(), e.getValue());
                if (problem != null) {
                    throw new InvalidPostbackException("value_map." + e.getKey(), problem, null);
                }
            }
        }
        return new Postback(url, post, body, encoding);
    }

    private static PostbackTemplate template(String field, String text, MacroDialect d, boolean isUrl) {
        try {
            return isUrl ? PostbackTemplate.parseUrl(text, d) : PostbackTemplate.parse(text, d);
        } catch (InvalidTemplateException e) {
            throw new InvalidPostbackException(field, e.getMessage(), e);
        }
    }

    /** {@code scheme://host[:port]} of a URL template, written literally (checked by {@link #check}). */
    public static String endpointOf(String urlTemplate) {
        try {
            // Only the part before the path matters, and check refuses macros there.
            URI u = new URI(urlTemplate.replaceAll("[{}#]", "x"));
            return u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort());
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
