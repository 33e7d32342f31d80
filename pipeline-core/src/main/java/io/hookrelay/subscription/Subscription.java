package io.hookrelay.subscription;

import java.time.Instant;
import java.util.List;

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
        @JsonProperty("updated_at") Instant updatedAt) {

    public Subscription {
        eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
        filter = filter == null ? Filter.NONE : filter;
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
     * pattern that matches, and the brand and affiliate filters satisfied.
     */
    public boolean matches(JsonNode event) {
        if (!enabled || !operatorId.equals(text(event, EventFields.OPERATOR_ID))) {
            return false;
        }
        String type = text(event, EventFields.EVENT_TYPE);
        if (type == null || eventTypes.stream().noneMatch(p -> EventTypePattern.matches(p, type))) {
            return false;
        }
        return allows(filter.brandIds(), text(event, EventFields.BRAND_ID))
                && allows(filter.affiliateIds(), text(event, EventFields.AFFILIATE_ID));
    }

    private static boolean allows(List<String> allowed, String value) {
        return allowed.isEmpty() || (value != null && allowed.contains(value));
    }

    private static String text(JsonNode event, String field) {
        JsonNode n = event.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    public Subscription withEnabled(boolean enabled, String disabledReason, Instant now) {
        return new Subscription(id, operatorId, url, eventTypes, filter, description, enabled,
                enabled ? null : disabledReason, secret, createdAt, now);
    }

    /** The same subscription without its secret, as list and get answers show it. */
    @JsonIgnore
    public Subscription withoutSecret() {
        return new Subscription(id, operatorId, url, eventTypes, filter, description, enabled, disabledReason,
                null, createdAt, updatedAt);
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "Subscription[id=" + id + ", operator=" + operatorId + ", url=" + url + ", enabled=" + enabled + "]";
    }
}
