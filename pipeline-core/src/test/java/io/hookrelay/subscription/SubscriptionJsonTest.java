package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.Test;

/**
 * The subscription's JSON on {@code webhooks.subscriptions}: its delivery limits and rotated secrets,
 * old records included.
 */
class SubscriptionJsonTest {

    private static Subscription read(String json) throws IOException {
        return Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8), Subscription.class);
    }

    /** An enabled subscription to every event type with a fresh secret and the default limits. */
    private static Subscription subscription() {
        return Subscription.builder("sub_1", "acme", "https://example.com/hook").eventTypes("*").enabled(true)
                .secret(Secrets.newSecret()).createdAt(Instant.EPOCH).updatedAt(Instant.EPOCH).build();
    }

    @Test
    void aSubscriptionWithEveryFeatureSetRoundTripsUnchanged() throws IOException {
        Instant created = Instant.parse("2026-11-01T00:00:00Z");
        Subscription s = Subscription.builder("sub_all", "acme", "https://tracker.example:8443")
                .eventTypes("conversion.*", "commission.cpa")
                .filter(new Subscription.Filter(List.of("b1"), List.of("a1", "a2")))
                .description("every feature")
                .enabled(false)
                .disabledReason("paused")
                .secret(Secrets.newSecret())
                .createdAt(created)
                .updatedAt(created.plusSeconds(60))
                .limits(25, 50)
                .previousSecret(Secrets.newSecret(), created.plus(Duration.ofHours(24)))
                .where(PayloadFilter.parse(Json.MAPPER.readTree("{\"country\": {\"in\": [\"BR\", \"MX\"]}}")))
                .fields(List.of("amount", "tracking.click_id"))
                .playerRef(Subscription.PLAYER_REF_HASHED, Secrets.newPlayerRefKey())
                .mode(Subscription.MODE_POSTBACK)
                .urlTemplate("https://tracker.example:8443/pb?cid={tracking.click_id}&s={status}")
                .method(Subscription.METHOD_POST)
                .dialect("braces")
                .bodyTemplate("amount={amount}")
                .bodyEncoding(Subscription.BODY_FORM)
                .valueMap(Map.of("status", Map.of("approved", "1")))
                .build();

        JsonNode json = Json.tree(Json.bytes(s));
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        // Wire contract: every component is written under its own name, and nothing else is.
        assertThat(names).containsExactlyInAnyOrder("id", "operator_id", "url", "event_types", "filter", "description",
                "enabled", "disabled_reason", "secret", "created_at", "updated_at", "max_in_flight",
                "rate_limit_per_second", "previous_secret", "previous_secret_expires_at", "where", "fields",
                "player_ref", "player_ref_key", "mode", "url_template", "method", "dialect", "body_template",
                "body_encoding", "value_map");
        Subscription back = read(Json.string(s));
        assertThat(back).isEqualTo(s);
        assertThat(back.toBuilder().build()).isEqualTo(s);
        assertThat(Json.string(back)).isEqualTo(Json.string(s));
    }

    @Test
    void aBuiltSubscriptionWithNothingSetEqualsARecordWithOnlyItsIdOperatorAndUrl() throws IOException {
        Subscription read = read("""
                {"id": "sub_min", "operator_id": "acme", "url": "https://example.com/hook"}""");

        Subscription built = Subscription.builder("sub_min", "acme", "https://example.com/hook").build();

        assertThat(built).isEqualTo(read);
        assertThat(Json.string(built)).isEqualTo(Json.string(read));
        assertThat(built.maxInFlight()).isEqualTo(Subscription.DEFAULT_MAX_IN_FLIGHT);
        assertThat(built.rateLimitPerSecond()).isNull();
        assertThat(built.isPostback()).isFalse();
        assertThat(built.mode()).isNull();
        assertThat(built.enabled()).isFalse();
        assertThat(built.eventTypes()).isEmpty();
        assertThat(built.filter()).isEqualTo(Subscription.Filter.NONE);
        assertThat(built.secret()).isNull();
        assertThat(built.previousSecret()).isNull();
        assertThat(built.where()).isNull();
        assertThat(built.fields()).isNull();
        assertThat(built.playerRef()).isNull();
        assertThat(built.hashesPlayerRef()).isFalse();
    }

    @Test
    void readsARecordWrittenBeforeTheLimitsExistedWithTheDefaults() throws IOException {
        Subscription s = read("""
                {"id": "sub_old", "operator_id": "acme", "url": "https://example.com/hook", "event_types": ["*"],
                 "enabled": true, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                 "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z"}""");

        assertThat(s.id()).isEqualTo("sub_old");
        assertThat(s.maxInFlight()).isEqualTo(Subscription.DEFAULT_MAX_IN_FLIGHT);
        assertThat(s.rateLimitPerSecond()).isNull();
        assertThat(s.previousSecret()).isNull();
        assertThat(s.signingSecrets(Instant.parse("2026-11-01T00:00:00Z"))).containsExactly(s.secret());
    }

    @Test
    void aRotatedSecretSignsWithTheOldOneUntilTheGraceEnds() throws IOException {
        Instant rotatedAt = Instant.parse("2026-11-27T10:00:00Z");
        String oldSecret = Secrets.newSecret();
        String newSecret = Secrets.newSecret();
        Subscription s = Subscription.builder("sub_1", "acme", "https://example.com/hook").eventTypes("*")
                .enabled(true).secret(oldSecret).createdAt(Instant.EPOCH).updatedAt(Instant.EPOCH).limits(3, 7).build()
                .withRotatedSecret(newSecret, Duration.ofHours(24), rotatedAt);

        assertThat(s.secret()).isEqualTo(newSecret);
        assertThat(s.previousSecret()).isEqualTo(oldSecret);
        assertThat(s.previousSecretExpiresAt()).isEqualTo(rotatedAt.plus(Duration.ofHours(24)));
        assertThat(s.signingSecrets(rotatedAt)).containsExactly(newSecret, oldSecret);
        assertThat(s.signingSecrets(rotatedAt.plus(Duration.ofHours(24)).minusMillis(1)))
                .containsExactly(newSecret, oldSecret);
        assertThat(s.signingSecrets(rotatedAt.plus(Duration.ofHours(24)))).containsExactly(newSecret);
        assertThat(read(Json.string(s))).isEqualTo(s);

        // Rotating again within the grace: the current secret becomes the previous one, the oldest stops.
        String newest = Secrets.newSecret();
        Subscription again = s.withRotatedSecret(newest, Duration.ofHours(24), rotatedAt.plusSeconds(60));
        assertThat(again.signingSecrets(rotatedAt.plusSeconds(60))).containsExactly(newest, newSecret);
    }

    @Test
    void listAndGetFormsShowNeitherSecret() {
        Subscription s = subscription()
                .withRotatedSecret(Secrets.newSecret(), Duration.ofHours(1), Instant.EPOCH);

        String shown = Json.string(s.withoutSecret());

        assertThat(shown).doesNotContain("whsec_").doesNotContain("\"secret\"")
                .doesNotContain("previous_secret\"").contains("previous_secret_expires_at");
        assertThat(s.toString()).doesNotContain("whsec_");
    }

    @Test
    void writesTheEffectiveLimitsAndReadsThemBack() throws IOException {
        Subscription s = subscription().toBuilder().limits(2, 5).build();
        JsonNode json = Json.tree(Json.bytes(s));
        assertThat(json.get("max_in_flight").asInt()).isEqualTo(2);
        assertThat(json.get("rate_limit_per_second").asInt()).isEqualTo(5);
        assertThat(read(Json.string(s))).isEqualTo(s);

        Subscription defaults = Subscription.builder("sub_2", "acme", "https://example.com/hook").eventTypes("*")
                .enabled(true).secret(Secrets.newSecret()).createdAt(Instant.EPOCH).updatedAt(Instant.EPOCH).build();
        JsonNode shown = Json.tree(Json.bytes(defaults.withoutSecret()));
        assertThat(shown.get("max_in_flight").asInt()).isEqualTo(10);
        // Shown as null rather than left out, so a reader sees there is no rate limit.
        assertThat(shown.has("rate_limit_per_second")).isTrue();
        assertThat(shown.get("rate_limit_per_second").isNull()).isTrue();
    }

    @Test
    void copiesKeepTheLimits() {
        Subscription s = subscription().toBuilder().limits(3, 7).build();
        for (Subscription copy : List.of(s.withoutSecret(), s.withEnabled(false, "paused", Instant.EPOCH))) {
            assertThat(copy.maxInFlight()).isEqualTo(3);
            assertThat(copy.rateLimitPerSecond()).isEqualTo(7);
        }
        Subscription rotating = s.withRotatedSecret(Secrets.newSecret(), Duration.ofHours(1), Instant.EPOCH);
        for (Subscription copy : List.of(rotating.withEnabled(false, "paused", Instant.EPOCH),
                rotating.withLimits(4, null))) {
            assertThat(copy.previousSecret()).isEqualTo(s.secret());
            assertThat(copy.previousSecretExpiresAt()).isEqualTo(rotating.previousSecretExpiresAt());
        }
    }

    @Test
    void payloadControlsRoundTripWithTheWhereAsWritten() throws IOException {
        String where = "{\"country\":{\"in\":[\"BR\",\"MX\"]},\"is_test\":{\"eq\":false},\"amount\":{\"gte\":\"100\"}}";
        Subscription s = SubscriptionMatchingTest.withPayloadControl(
                subscription(),
                where, List.of("amount", "tracking.click_id"), Subscription.PLAYER_REF_HASHED);

        JsonNode json = Json.tree(Json.bytes(s));
        assertThat(json.get("where").toString()).isEqualTo(where);
        assertThat(json.get("fields")).extracting(JsonNode::asText).containsExactly("amount", "tracking.click_id");
        assertThat(json.get("player_ref").asText()).isEqualTo("hashed");
        assertThat(json.get("player_ref_key").asText()).isEqualTo(s.playerRefKey());
        Subscription back = read(Json.string(s));
        assertThat(back).isEqualTo(s);
        assertThat(Json.tree(Json.bytes(back)).get("where").toString()).isEqualTo(where);
        assertThat(back.where().test(Json.MAPPER.readTree(
                "{\"country\": \"BR\", \"is_test\": false, \"amount\": \"100.00\"}"))).isTrue();
    }

    @Test
    void aRecordWithoutPayloadControlsReadsAsEveryEventAndField() throws IOException {
        Subscription s = read("""
                {"id": "sub_old", "operator_id": "acme", "url": "https://example.com/hook", "event_types": ["*"],
                 "enabled": true, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "max_in_flight": 3}""");

        assertThat(s.where()).isNull();
        assertThat(s.fields()).isNull();
        assertThat(s.playerRef()).isNull();
        assertThat(s.hashesPlayerRef()).isFalse();
        assertThat(s.playerRefKey()).isNull();
        assertThat(Json.tree(Json.bytes(s)).has("where")).isFalse();
        assertThat(s.matches(Json.MAPPER.readTree(
                "{\"operator_id\": \"acme\", \"event_type\": \"conversion.ftd\"}"))).isTrue();
    }

    @Test
    void listAndGetFormsHideThePlayerRefKeyAndCopiesKeepThePayloadControls() throws IOException {
        Subscription s = SubscriptionMatchingTest.withPayloadControl(
                subscription(),
                "{\"amount\": {\"gt\": \"5\"}}", List.of("amount"), Subscription.PLAYER_REF_HASHED);

        for (Subscription shown : List.of(s.withoutSecret(), s.withoutPlayerRefKey())) {
            assertThat(shown.playerRefKey()).isNull();
            assertThat(Json.string(shown)).doesNotContain("player_ref_key").doesNotContain(s.playerRefKey());
        }
        assertThat(s.toString()).doesNotContain(s.playerRefKey());
        for (Subscription copy : List.of(s.withoutSecret(), s.withEnabled(false, "paused", Instant.EPOCH),
                s.withLimits(4, 2), s.withRotatedSecret(Secrets.newSecret(), Duration.ofHours(1), Instant.EPOCH))) {
            assertThat(copy.where()).isEqualTo(s.where());
            assertThat(copy.fields()).containsExactly("amount");
            assertThat(copy.playerRef()).isEqualTo("hashed");
        }
        for (Subscription copy : List.of(s.withEnabled(false, "paused", Instant.EPOCH), s.withLimits(4, 2),
                s.withRotatedSecret(Secrets.newSecret(), Duration.ofHours(1), Instant.EPOCH))) {
            assertThat(copy.playerRefKey()).isEqualTo(s.playerRefKey());
        }
    }

    @Test
    void refusesABadWhereOrPlayerRefOnRead() {
        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "url": "https://example.com/hook",
                 "where": {"country": {"gt": "BR"}}}"""))
                .hasMessageContaining("country.gt: numeric comparisons work on amount only");
        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "url": "https://example.com/hook", "player_ref": "salted"}"""))
                .hasMessageContaining("player_ref is 'salted'; expected plain or hashed");
    }

    @Test
    void refusesLimitsOutOfRange() {
        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "url": "https://example.com/hook", "max_in_flight": 1001}"""))
                .hasMessageContaining("max_in_flight is 1001; expected 1 to 1000");
        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "url": "https://example.com/hook", "rate_limit_per_second": 0}"""))
                .hasMessageContaining("rate_limit_per_second is 0; expected 1 to 100000");
    }

    @Test
    void aPostbackRecordReadsWithItsEndpointAndABadTemplateIsRefusedOnRead() throws IOException {
        Subscription s = read("""
                {"id": "sub_pb", "operator_id": "acme", "event_types": ["*"], "enabled": true,
                 "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "mode": "postback",
                 "url_template": "https://tracker.example:8443/pb?cid={tracking.click_id}",
                 "value_map": {"status": {"approved": "1"}}}""");
        assertThat(s.isPostback()).isTrue();
        assertThat(s.url()).isEqualTo("https://tracker.example:8443");
        assertThat(s.withEnabled(false, "x", Instant.EPOCH).urlTemplate()).isEqualTo(s.urlTemplate());
        assertThat(s.withoutSecret().valueMap()).isEqualTo(s.valueMap());

        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "mode": "postback",
                 "url_template": "https://tracker.example/pb?p={payout}"}"""))
                .hasMessageContaining("url_template: macro {payout} names no event field");
        assertThatThrownBy(() -> read("""
                {"id": "sub_bad", "operator_id": "acme", "mode": "postback",
                 "url_template": "https://tracker.example/pb", "method": "POST"}"""))
                .hasMessageContaining("body_template: is required when method is POST");
    }
}
