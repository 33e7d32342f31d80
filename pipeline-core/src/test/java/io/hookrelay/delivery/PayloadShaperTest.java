package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.Test;

class PayloadShaperTest {

    private static ObjectNode event() {
        try {
            return (ObjectNode) Json.tree("""
                    {"event_id":"e-1","event_type":"conversion.ftd","occurred_at":"2026-11-27T10:00:00Z",
                     "operator_id":"op","brand_id":"b","affiliate_id":"a","player_ref":"p-42","amount":"10.00",
                     "currency":"EUR","email":"x@example.com","tracking":{"click_id":"c","sub1":"s"}}"""
                    .getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void projectionKeepsOnlyTheListedFieldsAndTheIdentifyingOnes() {
        ObjectNode out = new PayloadShaper(Set.of(), List.of("amount", "tracking.click_id"), null).shape(event());
        assertThat(out.fieldNames()).toIterable()
                .containsExactly("event_id", "event_type", "occurred_at", "operator_id", "amount", "tracking");
        assertThat(out.get("tracking").fieldNames()).toIterable().containsExactly("click_id");
    }

    @Test
    void operatorsNeverSentFieldsGoBeforeAnyProjectionCanAskForThem() {
        ObjectNode out = new PayloadShaper(Set.of("email", "tracking.sub1", "event_id"), List.of("email", "amount"), null)
                .shape(event());
        assertThat(out.has("email")).isFalse();
        assertThat(out.get("event_id").asText()).as("identifying fields are always kept").isEqualTo("e-1");
        ObjectNode all = new PayloadShaper(Set.of("email", "tracking.sub1"), null, null).shape(event());
        assertThat(all.has("email")).isFalse();
        assertThat(all.get("tracking").has("sub1")).isFalse();
        assertThat(all.get("tracking").get("click_id").asText()).isEqualTo("c");
    }

    @Test
    void hashedPlayerRefDiffersPerSubscriptionAndIsStableForEach() {
        ObjectNode original = event();
        String a1 = new PayloadShaper(Set.of(), null, "key-of-sub-a".getBytes(StandardCharsets.UTF_8)).shape(original)
                .get("player_ref").asText();
        String a2 = new PayloadShaper(Set.of(), null, "key-of-sub-a".getBytes(StandardCharsets.UTF_8)).shape(event())
                .get("player_ref").asText();
        String b = new PayloadShaper(Set.of(), null, "key-of-sub-b".getBytes(StandardCharsets.UTF_8)).shape(event())
                .get("player_ref").asText();
        assertThat(a1).startsWith("ph_").isEqualTo(a2).isNotEqualTo(b).doesNotContain("p-42");
        assertThat(original.get("player_ref").asText()).as("the input is not changed").isEqualTo("p-42");
    }
}
