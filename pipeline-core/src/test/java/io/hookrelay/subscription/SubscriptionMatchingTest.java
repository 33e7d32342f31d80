package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.Test;

class SubscriptionMatchingTest {

    private static Subscription sub(List<String> types, Subscription.Filter filter) {
        return Subscription.builder("sub_1", "acme", "https://example.com/hook").eventTypes(types).filter(filter)
                .enabled(true).secret(Secrets.newSecret()).createdAt(Instant.EPOCH).updatedAt(Instant.EPOCH).build();
    }

    /** {@code s} with a {@code where} (JSON text, or null), {@code fields} and {@code player_ref}. */
    static Subscription withPayloadControl(Subscription s, String where, List<String> fields, String playerRef)
            throws java.io.IOException {
        return s.toBuilder().where(where == null ? null : PayloadFilter.parse(Json.MAPPER.readTree(where)))
                .fields(fields).playerRef(playerRef, Secrets.newPlayerRefKey()).build();
    }

    private static ObjectNode event(String operator, String type, String brand, String affiliate) {
        ObjectNode e = Json.object().put("operator_id", operator).put("event_type", type);
        if (brand != null) {
            e.put("brand_id", brand);
        }
        if (affiliate != null) {
            e.put("affiliate_id", affiliate);
        }
        return e;
    }

    @Test
    void matchesWildcardFamilyAndExactPatterns() {
        assertThat(sub(List.of("*"), null).matches(event("acme", "kyc.status_changed", null, null))).isTrue();
        assertThat(sub(List.of("conversion.*"), null).matches(event("acme", "conversion.ftd", null, null))).isTrue();
        assertThat(sub(List.of("conversion.*"), null).matches(event("acme", "commission.pending", null, null))).isFalse();
        assertThat(sub(List.of("conversion.ftd"), null).matches(event("acme", "conversion.ftd", null, null))).isTrue();
        assertThat(sub(List.of("conversion.ftd"), null).matches(event("acme", "conversion.deposit", null, null))).isFalse();
    }

    @Test
    void neverMatchesAnotherOperatorsEvent() {
        assertThat(sub(List.of("*"), null).matches(event("globex", "conversion.ftd", null, null))).isFalse();
    }

    @Test
    void brandAndAffiliateFiltersMustBothHold() {
        Subscription s = sub(List.of("*"), new Subscription.Filter(List.of("b1", "b2"), List.of("a7")));
        assertThat(s.matches(event("acme", "conversion.ftd", "b2", "a7"))).isTrue();
        assertThat(s.matches(event("acme", "conversion.ftd", "b3", "a7"))).isFalse();
        assertThat(s.matches(event("acme", "conversion.ftd", "b1", "a8"))).isFalse();
        assertThat(s.matches(event("acme", "kyc.status_changed", "b1", null))).isFalse();
    }

    @Test
    void whereConditionsMustHoldToo() throws Exception {
        Subscription s = withPayloadControl(sub(List.of("conversion.*"), null),
                "{\"amount\": {\"gte\": \"100\"}, \"is_test\": {\"eq\": false}}", null, null);
        assertThat(s.matches(event("acme", "conversion.ftd", null, null).put("amount", "150").put("is_test", false)))
                .isTrue();
        assertThat(s.matches(event("acme", "conversion.ftd", null, null).put("amount", "50").put("is_test", false)))
                .isFalse();
        assertThat(s.matches(event("acme", "conversion.ftd", null, null).put("amount", "150").put("is_test", true)))
                .isFalse();
        assertThat(s.matches(event("acme", "conversion.registration", null, null).put("is_test", false)))
                .as("an event without amount satisfies no amount condition").isFalse();
        assertThat(s.matches(event("acme", "commission.pending", null, null).put("amount", "150").put("is_test", false)))
                .as("the event types still apply").isFalse();
    }

    @Test
    void disabledSubscriptionMatchesNothing() {
        Subscription s = sub(List.of("*"), null).withEnabled(false, "paused", Instant.EPOCH);
        assertThat(s.matches(event("acme", "conversion.ftd", null, null))).isFalse();
        assertThat(s.disabledReason()).isEqualTo("paused");
    }

    @Test
    void explainsInvalidPatterns() {
        assertThat(EventTypePattern.problem("conversion.*")).isEmpty();
        assertThat(EventTypePattern.problem("*")).isEmpty();
        assertThat(EventTypePattern.problem("conversion.ftd")).isEmpty();
        assertThat(EventTypePattern.problem("conversions.*")).get().asString().contains("'conversions.*' is not *");
        assertThat(EventTypePattern.problem("conversion.bonus")).isPresent();
    }

    @Test
    void secretIsWhsecWith32RandomBytes() {
        String s = Secrets.newSecret();
        assertThat(s).startsWith("whsec_");
        assertThat(java.util.Base64.getDecoder().decode(s.substring(6))).hasSize(32);
        assertThat(Secrets.newSecret()).isNotEqualTo(s);
    }

    @Test
    void jsonFormRoundTripsAndToStringHidesTheSecret() throws Exception {
        Subscription s = sub(List.of("conversion.*"), new Subscription.Filter(List.of("b1"), List.of()));
        Subscription back = Json.MAPPER.readValue(Json.bytes(s), Subscription.class);
        assertThat(back).isEqualTo(s);
        assertThat(Json.string(s)).contains("\"operator_id\":\"acme\"", "\"event_types\":[\"conversion.*\"]");
        assertThat(s.toString()).doesNotContain(s.secret());
    }
}
