package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.Test;

class PayloadFilterTest {

    private static JsonNode json(String s) {
        try {
            return Json.tree(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final JsonNode BR_FTD = json("""
            {"event_type":"conversion.ftd","country":"BR","is_test":false,"amount":"125.50",
             "tracking":{"sub1":"summer"}}""");

    @Test
    void allConditionsMustHold() {
        PayloadFilter f = PayloadFilter.parse(json("""
                {"country": {"in": ["BR", "MX"]}, "is_test": {"eq": false}, "amount": {"gte": "100", "lt": "5000"}}"""));
        assertThat(f.test(BR_FTD)).isTrue();
        assertThat(f.test(json("{\"country\":\"AR\",\"is_test\":false,\"amount\":\"125.50\"}"))).isFalse();
        assertThat(f.test(json("{\"country\":\"MX\",\"is_test\":true,\"amount\":\"125.50\"}"))).isFalse();
        assertThat(f.test(json("{\"country\":\"MX\",\"is_test\":false,\"amount\":\"99.99\"}"))).isFalse();
        assertThat(f.test(json("{\"country\":\"MX\",\"is_test\":false,\"amount\":\"5000.00\"}"))).isFalse();
    }

    @Test
    void amountsCompareAsDecimalsNotText() {
        PayloadFilter f = PayloadFilter.parse(json("{\"amount\": {\"gt\": \"9.5\"}}"));
        assertThat(f.test(json("{\"amount\":\"10.00\"}"))).isTrue();
        assertThat(f.test(json("{\"amount\":\"9.50\"}"))).isFalse();
    }

    @Test
    void aMissingFieldSatisfiesNothingAndDottedNamesReadInside() {
        assertThat(PayloadFilter.parse(json("{\"country\": {\"eq\": \"BR\"}}")).test(json("{}"))).isFalse();
        assertThat(PayloadFilter.parse(json("{\"tracking.sub1\": {\"eq\": \"summer\"}}")).test(BR_FTD)).isTrue();
        assertThat(PayloadFilter.parse(null).test(json("{}"))).isTrue();
    }

    @Test
    void badFiltersAreRefusedSayingWhatIsWrong() {
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"country\": {\"like\": \"B%\"}}")))
                .hasMessageStartingWith("country.like: unknown condition");
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"deposit_count\": {\"gt\": 1}}")))
                .hasMessage("deposit_count.gt: numeric comparisons work on amount only");
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"amount\": {\"gt\": \"ten\"}}")))
                .hasMessage("amount.gt: must be a decimal such as \"100.00\"");
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"country\": {\"in\": []}}")))
                .hasMessage("country.in: must be a non-empty array of values");
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"country\": \"BR\"}")))
                .hasMessageStartingWith("country: must be an object of conditions");
        assertThatThrownBy(() -> PayloadFilter.parse(json("{\"country\": {\"eq\": [\"BR\"]}}")))
                .hasMessage("country.eq: must be a string, number or boolean");
    }
}
