package io.hookrelay.subscription;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.event.EventFields;

/**
 * A subscriber's endpoint and what it wants to receive. Its JSON form is the value of a
 * {@code webhooks.subscriptions} record (key: the id), the only place subscriptions are stored.
 * Wire contract: the JSON names below are read by every service and by the API's clients.
 *
 * @param secret the current {@code whsec_} signing secret; it never appears in logs
 * @param maxInFlight at most this many attempts to this subscription at once, per process
 *                    ({@value #MIN_MAX_IN_FLIGHT}..{@value #MAX_MAX_IN_FLIGHT}); a record written before the
 *                    field existed reads as {@value #DEFAULT_MAX_IN_FLIGHT}
 * @param rateLimitPerSecond at most this many attempts started per second, per process
 *                           ({@value #MIN_RATE_LIMIT}..{@value #MAX_RATE_LIMIT}); null for no limit
 * @param previousSecret the secret a rotation replaced, still signing until {@code previousSecretExpiresAt};
 *                       null when there was no rotation. Like {@code secret}, never logged nor listed
 * @param previousSecretExpiresAt when {@code previousSecret} stops signing; an expired one is simply
 *                                ignored (see {@link #signingSecrets}), no job removes it
 * @param where conditions on the event's fields that must all hold too (see {@link PayloadFilter}); null
 *              for none. Written back exactly as the API received it
 * @param fields the event fields the subscriber receives ({@code tracking.click_id} for one key of an
 *               object; {@code event_id}, {@code event_type}, {@code occurred_at} and {@code operator_id}
 *               always come along); null for every field
 * @param playerRef {@value #PLAYER_REF_PLAIN} (or null) to send {@code player_ref} as the operator sent it,
 *                  {@value #PLAYER_REF_HASHED} to send a keyed hash of it instead
 * @param playerRefKey base64 of the random key that hashes {@code player_ref} for this subscription only;
 *                     like {@code secret}, never logged nor listed
 * @param mode {@value #MODE_JSON} (or null) for the contract's JSON body, {@value #MODE_POSTBACK} for a
 *             rendered {@code urlTemplate} (see {@link Postback})
 * @param urlTemplate the postback URL with macros naming event fields; required in postback mode, when
 *                    {@code url} defaults to its {@code scheme://host[:port]}
 * @param method {@value #METHOD_GET} (or null) or {@value #METHOD_POST}, in postback mode
 * @param dialect how macros are written: {@code braces} (or null), {@code hash} or {@code double_braces}
 * @param bodyTemplate the body of a {@value #METHOD_POST} postback, with macros
 * @param bodyEncoding {@value #BODY_FORM} (or null) or {@value #BODY_JSON}: how {@code bodyTemplate} values are encoded
 * @param valueMap per field, replacements of its values before rendering; null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Subscription(
        @JsonProperty("id") String id,
        @JsonProperty("operator_id") String operatorId,
        @JsonProperty("url") String url,
        @JsonProperty("event_types") List<String> eventTypes,
        @JsonProperty("filter") Filter filter,
        @JsonProperty("description") String description,
        @JsonProperty("enabled") boolean enabled,
        @JsonProperty("disabled_reason") String disabledReason,
        @JsonProperty("secret") String secret,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("max_in_flight") int maxInFlight,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("rate_limit_per_second") Integer rateLimitPerSecond,
        @JsonProperty("previous_secret") String previousSecret,
        @JsonProperty("previous_secret_expires_at") Instant previousSecretExpiresAt,
        @JsonProperty("where") PayloadFilter where,
        @JsonProperty("fields") List<String> fields,
        @JsonProperty("player_ref") String playerRef,
        @JsonProperty("player_ref_key") String playerRefKey,
        @JsonProperty("mode") String mode,
        @JsonProperty("url_template") String urlTemplate,
        @JsonProperty("method") String method,
        @JsonProperty("dialect") String dialect,
        @JsonProperty("body_template") String bodyTemplate,
        @JsonProperty("body_encoding") String bodyEncoding,
        @JsonProperty("value_map") Map<String, Map<String, String>> valueMap) {

    public static final int DEFAULT_MAX_IN_FLIGHT = 10;
    public static final int MIN_MAX_IN_FLIGHT = 1;
    public static final int MAX_MAX_IN_FLIGHT = 1000;
    public static final int MIN_RATE_LIMIT = 1;
    public static final int MAX_RATE_LIMIT = 100_000;
    public static final String PLAYER_REF_PLAIN = "plain";
    public static final String PLAYER_REF_HASHED = "hashed";
    public static final String MODE_JSON = "json";
    public static final String MODE_POSTBACK = "postback";
    public static final String METHOD_GET = "GET";
    public static final String METHOD_POST = "POST";
    public static final String BODY_FORM = "form";
    public static final String BODY_JSON = "json";

    /**
     * @throws IllegalArgumentException when a limit or {@code player_ref} is out of range (the API refuses such values, so
     *         only a stray writer of {@code webhooks.subscriptions} can produce one; the catalog then
     *         ignores the record as unreadable)
     */
    public Subscription {
        eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
        filter = filter == null ? Filter.NONE : filter;
        // 0 is how JSON without the field reads: a record from before per-subscription limits.
        maxInFlight = maxInFlight == 0 ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
        if (maxInFlight < MIN_MAX_IN_FLIGHT || maxInFlight > MAX_MAX_IN_FLIGHT) {
            throw new IllegalArgumentException("max_in_flight is " + maxInFlight + "; expected " + MIN_MAX_IN_FLIGHT
                    + " to " + MAX_MAX_IN_FLIGHT);
        }
        if (rateLimitPerSecond != null && (rateLimitPerSecond < MIN_RATE_LIMIT || rateLimitPerSecond > MAX_RATE_LIMIT)) {
            throw new IllegalArgumentException("rate_limit_per_second is " + rateLimitPerSecond + "; expected "
                    + MIN_RATE_LIMIT + " to " + MAX_RATE_LIMIT + ", or null for no limit");
        }
        if (playerRef != null && !playerRef.equals(PLAYER_REF_PLAIN) && !playerRef.equals(PLAYER_REF_HASHED)) {
            throw new IllegalArgumentException("player_ref is '" + playerRef + "'; expected " + PLAYER_REF_PLAIN
                    + " or " + PLAYER_REF_HASHED);
        }
        fields = fields == null ? null : List.copyOf(fields);
        if (mode != null && !mode.equals(MODE_JSON) && !mode.equals(MODE_POSTBACK)) {
            throw new IllegalArgumentException("mode is '" + mode + "'; expected " + MODE_JSON + " or " + MODE_POSTBACK);
        }
        valueMap = valueMap == null ? null : copy(valueMap);
        if (MODE_POSTBACK.equals(mode)) {
            Postback.check(urlTemplate, method, dialect, bodyTemplate, bodyEncoding, valueMap);
            // Endpoint logging, health and connect checks read url(): show the template's scheme://host[:port].
            url = url != null ? url : Postback.endpointOf(urlTemplate);
        }
        // No conditions is no filter: written as absent, not as "where": null.
        where = where == PayloadFilter.NONE ? null : where;
    }

    /**
     * A builder of a subscription to {@code url} for the operator's events. Unset components are what a
     * record without them reads as: disabled, no event types, no filter, {@value #DEFAULT_MAX_IN_FLIGHT} in
     * flight, no rate limit, no secrets, no payload controls, JSON mode; {@code null} everywhere else.
     */
    public static Builder builder(String id, String operatorId, String url) {
        return new Builder(id, operatorId, url);
    }

    /** A builder holding every component of this subscription, to make a copy that differs in a few. */
    public Builder toBuilder() {
        return new Builder(id, operatorId, url).eventTypes(eventTypes).filter(filter).description(description)
                .enabled(enabled).disabledReason(disabledReason).secret(secret).createdAt(createdAt)
                .updatedAt(updatedAt).limits(maxInFlight, rateLimitPerSecond)
                .previousSecret(previousSecret, previousSecretExpiresAt).where(where).fields(fields)
                .playerRef(playerRef, playerRefKey).mode(mode).urlTemplate(urlTemplate).method(method)
                .dialect(dialect).bodyTemplate(bodyTemplate).bodyEncoding(bodyEncoding).valueMap(valueMap);
    }

    /**
     * The URL whose {@code scheme://host[:port]} every attempt connects to: {@code url}, or for a
     * postback its template's, which is literal ({@link Postback#check}), whatever {@code url} says.
     * Attempt records and logs name this one.
     */
    @JsonIgnore
    public String calledUrl() {
        return isPostback() ? Postback.endpointOf(urlTemplate) : url;
    }

    /** Whether deliveries go out as a rendered postback rather than the contract's JSON body. */
    @JsonIgnore
    public boolean isPostback() {
        return MODE_POSTBACK.equals(mode);
    }

    private static Map<String, Map<String, String>> copy(Map<String, Map<String, String>> m) {
        Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(v))));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** Optional restriction to some brands and affiliates; an empty list means any. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Filter(@JsonProperty("brand_id") List<String> brandIds,
                         @JsonProperty("affiliate_id") List<String> affiliateIds) {
        public static final Filter NONE = new Filter(List.of(), List.of());

        public Filter {
            brandIds = brandIds == null ? List.of() : List.copyOf(brandIds);
            affiliateIds = affiliateIds == null ? List.of() : List.copyOf(affiliateIds);
        }
    }

    /**
     * Whether this subscription receives {@code event}: same operator, enabled, an event-type
     * pattern that matches, the brand and affiliate filters satisfied, and every {@code where}
     * condition holding.
     */
    public boolean matches(JsonNode event) {
        if (!enabled || !operatorId.equals(text(event, EventFields.OPERATOR_ID))) {
            return false;
        }
        String type = text(event, EventFields.EVENT_TYPE);
        if (type == null || !anyPatternMatches(type)) {
            return false;
        }
        return allows(filter.brandIds(), text(event, EventFields.BRAND_ID))
                && allows(filter.affiliateIds(), text(event, EventFields.AFFILIATE_ID))
                && (where == null || where.test(event));
    }

    /** Whether {@code player_ref} goes out as a keyed hash rather than as the operator sent it. */
    @JsonIgnore
    public boolean hashesPlayerRef() {
        return PLAYER_REF_HASHED.equals(playerRef);
    }

    // A loop, not a stream: this runs for every subscription of the operator on every event.
    private boolean anyPatternMatches(String type) {
        for (String pattern : eventTypes) {
            if (EventTypePattern.matches(pattern, type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean allows(List<String> allowed, String value) {
        return allowed.isEmpty() || (value != null && allowed.contains(value));
    }

    private static String text(JsonNode event, String field) {
        JsonNode n = event.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /**
     * The secrets that sign a delivery attempted at {@code now}: the current one, then the previous
     * one while its grace period lasts. Receivers accept a delivery when any one signature verifies.
     */
    public List<String> signingSecrets(Instant now) {
        if (previousSecret != null && previousSecretExpiresAt != null && previousSecretExpiresAt.isAfter(now)) {
            return List.of(secret, previousSecret);
        }
        return List.of(secret);
    }

    public Subscription withEnabled(boolean enabled, String disabledReason, Instant now) {
        return toBuilder().enabled(enabled).disabledReason(enabled ? null : disabledReason).updatedAt(now).build();
    }

    /** The same subscription with other delivery limits; {@code rateLimitPerSecond} null for none. */
    public Subscription withLimits(int maxInFlight, Integer rateLimitPerSecond) {
        return toBuilder().limits(maxInFlight, rateLimitPerSecond).build();
    }

    /**
     * The same subscription signing with {@code newSecret}, the current secret still signing too until
     * {@code now + grace}. Rotating again within a grace period drops the older previous secret: only
     * two secrets ever sign.
     */
    public Subscription withRotatedSecret(String newSecret, Duration grace, Instant now) {
        return toBuilder().secret(newSecret).previousSecret(secret, now.plus(grace)).updatedAt(now).build();
    }

    /**
     * The same subscription without its secrets and its {@code player_ref} hash key, as list and get
     * answers show it.
     */
    @JsonIgnore
    public Subscription withoutSecret() {
        return toBuilder().secret(null).previousSecret(null, previousSecretExpiresAt).playerRef(playerRef, null)
                .build();
    }

    /** The same subscription without its {@code player_ref} hash key: the create answer, which shows the secret. */
    @JsonIgnore
    public Subscription withoutPlayerRefKey() {
        return toBuilder().playerRef(playerRef, null).build();
    }

    /**
     * Collects a subscription's components; {@link #build} hands them to the canonical constructor, which
     * alone checks them. Setters take the components' meanings, see {@link Subscription}.
     */
    public static final class Builder {
        private final String id;
        private final String operatorId;
        private final String url;
        private List<String> eventTypes;
        private Filter filter;
        private String description;
        private boolean enabled;
        private String disabledReason;
        private String secret;
        private Instant createdAt;
        private Instant updatedAt;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Integer rateLimitPerSecond;
        private String previousSecret;
        private Instant previousSecretExpiresAt;
        private PayloadFilter where;
        private List<String> fields;
        private String playerRef;
        private String playerRefKey;
        private String mode;
        private String urlTemplate;
        private String method;
        private String dialect;
        private String bodyTemplate;
        private String bodyEncoding;
        private Map<String, Map<String, String>> valueMap;

        private Builder(String id, String operatorId, String url) {
            this.id = id;
            this.operatorId = operatorId;
            this.url = url;
        }

        public Builder eventTypes(List<String> eventTypes) {
            this.eventTypes = eventTypes;
            return this;
        }

        public Builder eventTypes(String... eventTypes) {
            return eventTypes(List.of(eventTypes));
        }

        public Builder filter(Filter filter) {
            this.filter = filter;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder disabledReason(String disabledReason) {
            this.disabledReason = disabledReason;
            return this;
        }

        public Builder secret(String secret) {
            this.secret = secret;
            return this;
        }

        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder updatedAt(Instant updatedAt) {
            this.updatedAt = updatedAt;
            return this;
        }

        /** Both delivery limits; {@code rateLimitPerSecond} null for none. */
        public Builder limits(int maxInFlight, Integer rateLimitPerSecond) {
            this.maxInFlight = maxInFlight;
            this.rateLimitPerSecond = rateLimitPerSecond;
            return this;
        }

        /** The secret a rotation replaced and when it stops signing; both null outside a rotation. */
        public Builder previousSecret(String previousSecret, Instant expiresAt) {
            this.previousSecret = previousSecret;
            this.previousSecretExpiresAt = expiresAt;
            return this;
        }

        public Builder where(PayloadFilter where) {
            this.where = where;
            return this;
        }

        public Builder fields(List<String> fields) {
            this.fields = fields;
            return this;
        }

        /**
         * How {@code player_ref} goes out ({@link Subscription#PLAYER_REF_PLAIN},
         * {@link Subscription#PLAYER_REF_HASHED} or null) and the base64 key that hashes it.
         */
        public Builder playerRef(String mode, String key) {
            this.playerRef = mode;
            this.playerRefKey = key;
            return this;
        }

        public Builder mode(String mode) {
            this.mode = mode;
            return this;
        }

        public Builder urlTemplate(String urlTemplate) {
            this.urlTemplate = urlTemplate;
            return this;
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder dialect(String dialect) {
            this.dialect = dialect;
            return this;
        }

        public Builder bodyTemplate(String bodyTemplate) {
            this.bodyTemplate = bodyTemplate;
            return this;
        }

        public Builder bodyEncoding(String bodyEncoding) {
            this.bodyEncoding = bodyEncoding;
            return this;
        }

        public Builder valueMap(Map<String, Map<String, String>> valueMap) {
            this.valueMap = valueMap;
            return this;
        }

        /** @throws IllegalArgumentException as the canonical constructor does, for a value out of range */
        public Subscription build() {
            return new Subscription(id, operatorId, url, eventTypes, filter, description, enabled, disabledReason,
                    secret, createdAt, updatedAt, maxInFlight, rateLimitPerSecond, previousSecret,
                    previousSecretExpiresAt, where, fields, playerRef, playerRefKey, mode, urlTemplate, method, dialect,
                    bodyTemplate, bodyEncoding, valueMap);
        }
    }

    @Override
    public String toString() {
        // Never print the secrets nor the player_ref key.
        return "Subscription[id=" + id + ", operator=" + operatorId + ", url=" + url + ", enabled=" + enabled + "]";
    }
}
