package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
        Subscription s = new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true,
                null, oldSecret, Instant.EPOCH, Instant.EPOCH, 3, 7)
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
        Subscription s = new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true,
                null, Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH)
                .withRotatedSecret(Secrets.newSecret(), Duration.ofHours(1), Instant.EPOCH);

        String shown = Json.string(s.withoutSecret());

        assertThat(shown).doesNotContain("whsec_").doesNotContain("\"secret\"")
                .doesNotContain("previous_secret\"").contains("previous_secret_expires_at");
        assertThat(s.toString()).doesNotContain("whsec_");
    }

    @Test
    void writesTheEffectiveLimitsAndReadsThemBack() throws IOException {
        Subscription s = new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true,
                null, Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH, 2, 5);
        JsonNode json = Json.tree(Json.bytes(s));
        assertThat(json.get("max_in_flight").asInt()).isEqualTo(2);
        assertThat(json.get("rate_limit_per_second").asInt()).isEqualTo(5);
        assertThat(read(Json.string(s))).isEqualTo(s);

        Subscription defaults = new Subscription("sub_2", "acme", "https://example.com/hook", List.of("*"), null, null,
                true, null, Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH);
        JsonNode shown = Json.tree(Json.bytes(defaults.withoutSecret()));
        assertThat(shown.get("max_in_flight").asInt()).isEqualTo(10);
        // Shown as null rather than left out, so a reader sees there is no rate limit.
        assertThat(shown.has("rate_limit_per_second")).isTrue();
        assertThat(shown.get("rate_limit_per_second").isNull()).isTrue();
    }

    @Test
    void copiesKeepTheLimits() {
        Subscription s = new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true,
                null, Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH, 3, 7);
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
                new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true, null,
                        Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH),
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
                new Subscription("sub_1", "acme", "https://example.com/hook", List.of("*"), null, null, true, null,
                        Secrets.newSecret(), Instant.EPOCH, Instant.EPOCH),
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
