package io.hookrelay.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.Test;

class EventValidatorTest {

    /** Fixtures happen on 2026-11-27; ingest reads them a little later. */
    static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final EventValidator validator = new EventValidator(Clock.fixed(NOW, ZoneOffset.UTC));

    static ObjectNode ftd() {
        ObjectNode e = Json.object().put("event_id", "e-1").put("event_type", "conversion.ftd")
                .put("occurred_at", "2026-11-27T12:15:30+02:00").put("operator_id", "acme").put("brand_id", "b1")
                .put("affiliate_id", "a1").put("player_ref", "p1").put("transaction_id", "t1")
                .put("amount", "125.50").put("currency", "EUR");
        e.putObject("tracking").put("click_id", "c1").put("sub1", "s");
        return e;
    }

    @Test
    void acceptsAValidEventAndNormalizesItsTimeToUtc() {
        ValidationResult r = validator.validate(ftd(), null);
        assertThat(r.errors()).isEmpty();
        assertThat(r.family()).isEqualTo(EventFamily.CONVERSION);
        assertThat(r.canonical().get("occurred_at").asText()).isEqualTo("2026-11-27T10:15:30Z");
        assertThat(r.canonical().get("is_test").asBoolean()).isFalse();
        assertThat(r.canonical().get("tracking").get("click_id").asText()).isEqualTo("c1");
    }

    @Test
    void reportsEveryBadFieldWithWhatWasExpected() {
        ObjectNode e = ftd().put("amount", 125.5).put("currency", "EURO");
        e.remove("player_ref");
        e.put("occurred_at", "yesterday");
        ValidationResult r = validator.validate(e, null);
        assertThat(r.errors()).extracting(FieldError::field)
                .containsExactlyInAnyOrder("amount", "currency", "player_ref", "occurred_at");
        assertThat(r.summary()).contains("amount: must be a decimal string such as \"125.50\", never a number, got 125.5",
                "currency: must be an ISO-4217 code such as EUR or USD, got 'EURO'", "player_ref: is required",
                "occurred_at: must be an ISO-8601 time with offset");
        assertThat(r.canonical()).isNull();
    }

    @Test
    void refusesAFloatLookingAmountString() {
        ValidationResult r = validator.validate(ftd().put("amount", "1e3"), null);
        assertThat(r.summary()).contains("amount: must be a decimal string such as \"125.50\"");
    }

    @Test
    void refusesFieldsTheContractDoesNotName() {
        ValidationResult r = validator.validate(ftd().put("email", "x@example.com"), null);
        assertThat(r.summary()).contains("email: is not a field of conversion events");
    }

    @Test
    void refusesUnknownTrackingKeys() {
        ObjectNode e = ftd();
        ((ObjectNode) e.get("tracking")).put("phone", "123");
        assertThat(validator.validate(e, null).summary()).contains("tracking.phone: is not a tracking key");
    }

    @Test
    void registrationCarriesNoMoney() {
        ObjectNode e = ftd().put("event_type", "conversion.registration");
        assertThat(validator.validate(e, null).summary()).contains("amount: is not sent with conversion.registration");
        e.remove("amount");
        e.remove("currency");
        e.remove("transaction_id");
        assertThat(validator.validate(e, null).errors()).isEmpty();
    }

    @Test
    void refusesAnEventTypeOfAnotherFamilyThanItsTopic() {
        ValidationResult r = validator.validate(ftd(), EventFamily.KYC);
        assertThat(r.summary()).contains("event_type: 'conversion.ftd' is not a kyc event type, so it cannot be produced to events.kyc");
    }

    @Test
    void validatesEachFamilysOwnFields() {
        ObjectNode kyc = Json.object().put("event_id", "k1").put("event_type", "kyc.status_changed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("player_ref", "p1")
                .put("status", "approved").put("previous_status", "waiting");
        assertThat(validator.validate(kyc, null).summary())
                .isEqualTo("previous_status: must be one of pending, approved, rejected, expired, got 'waiting'");

        ObjectNode reversed = Json.object().put("event_id", "c1").put("event_type", "commission.reversed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("affiliate_id", "a1")
                .put("player_ref", "p1").put("commission_id", "cm1").put("model", "CPA").put("amount", "50.00")
                .put("currency", "USD");
        assertThat(validator.validate(reversed, null).summary()).isEqualTo("reason: is required");

        ObjectNode affiliate = Json.object().put("event_id", "f1").put("event_type", "affiliate.status_changed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("affiliate_id", "a1")
                .put("status", "active").put("previous_status", "pending");
        assertThat(validator.validate(affiliate, null).errors()).isEmpty();

        ObjectNode chargeback = Json.object().put("event_id", "cb1").put("event_type", "chargeback.filed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("affiliate_id", "a1")
                .put("player_ref", "p1").put("transaction_id", "t2").put("amount", "10.00").put("currency", "EUR");
        assertThat(validator.validate(chargeback, null).summary())
                .contains("original_transaction_id: is required", "reason_code: is required");
    }

    @Test
    void refusesADepositCountOutOfRangeRatherThanWrappingIt() {
        // 2^64 + 5: its low 32 bits are 5, which a narrowing conversion would deliver.
        ValidationResult huge = validator.validate(ftd().put("deposit_count", new BigInteger("18446744073709551621")), null);
        assertThat(huge.summary()).isEqualTo("deposit_count: must be a whole number from 0 to 2147483647, got "
                + "18446744073709551621");
        assertThat(validator.validate(ftd().put("deposit_count", 2147483648L), null).valid()).isFalse();
        assertThat(validator.validate(ftd().put("deposit_count", -1), null).valid()).isFalse();
        assertThat(validator.validate(ftd().put("deposit_count", 1.5), null).valid()).isFalse();
        assertThat(validator.validate(ftd().put("deposit_count", 2147483647), null).canonical().get("deposit_count").asInt())
                .isEqualTo(2147483647);
    }

    @Test
    void refusesANegativeAmountExceptOnACommissionReversal() {
        assertThat(validator.validate(ftd().put("amount", "-125.50"), null).summary())
                .isEqualTo("amount: must not be negative for conversion.ftd, got '-125.50'; only commission.reversed"
                        + " may carry a negative amount");
        ObjectNode chargeback = Json.object().put("event_id", "cb1").put("event_type", "chargeback.filed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("affiliate_id", "a1")
                .put("player_ref", "p1").put("transaction_id", "t2").put("original_transaction_id", "t1")
                .put("amount", "-10.00").put("currency", "EUR").put("reason_code", "fraud");
        assertThat(validator.validate(chargeback, null).summary()).startsWith("amount: must not be negative for chargeback.filed");
        assertThat(validator.validate(chargeback.put("amount", "10.00"), null).errors()).isEmpty();

        ObjectNode reversed = Json.object().put("event_id", "c1").put("event_type", "commission.reversed")
                .put("occurred_at", "2026-11-27T10:00:00Z").put("operator_id", "acme").put("affiliate_id", "a1")
                .put("player_ref", "p1").put("commission_id", "cm1").put("model", "CPA").put("amount", "-50.00")
                .put("currency", "USD").put("reason", "chargeback");
        assertThat(validator.validate(reversed, null).errors()).isEmpty();
        ObjectNode approved = reversed.deepCopy().put("event_type", "commission.approved").put("event_id", "c2");
        assertThat(validator.validate(approved, null).summary()).startsWith("amount: must not be negative for commission.approved");
    }

    @Test
    void refusesAnOccurredAtBefore2000OrMoreThanADayAhead() {
        assertThat(validator.validate(ftd().put("occurred_at", "+99999-01-01T00:00:00Z"), null).summary())
                .isEqualTo("occurred_at: is +99999-01-01T00:00:00Z, more than 24 hours after now (2026-11-27T12:00:00Z);"
                        + " it is when the event happened, so at most a day of clock skew is accepted");
        assertThat(validator.validate(ftd().put("occurred_at", "1999-12-31T23:59:59Z"), null).summary())
                .isEqualTo("occurred_at: is 1999-12-31T23:59:59Z, before 2000-01-01T00:00:00Z, the earliest time accepted");
        assertThat(validator.validate(ftd().put("occurred_at", "-0001-01-01T00:00:00Z"), null).valid()).isFalse();
        assertThat(validator.validate(ftd().put("occurred_at", "2026-11-28T12:00:00Z"), null).valid())
                .as("exactly a day ahead").isTrue();
        assertThat(validator.validate(ftd().put("occurred_at", "2026-11-28T12:00:01Z"), null).valid()).isFalse();
        assertThat(validator.validate(ftd().put("occurred_at", "2000-01-01T00:00:00Z"), null).valid()).isTrue();
    }

    @Test
    void refusesNonObjects() {
        assertThat(validator.validate(Json.MAPPER.createArrayNode(), null).summary())
                .isEqualTo("(event): must be a JSON object, got an array");
    }

    @Test
    void namesTheKnownEventTypesForAnUnknownOne() {
        assertThat(validator.validate(ftd().put("event_type", "conversion.bonus"), null).summary())
                .contains("unknown event type 'conversion.bonus'; expected one of conversion.registration");
    }
}
