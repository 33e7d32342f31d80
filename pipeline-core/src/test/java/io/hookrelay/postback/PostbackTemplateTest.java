package io.hookrelay.postback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.postback.PostbackTemplate.Encoding;
import io.hookrelay.postback.PostbackTemplate.Rendered;
import org.junit.jupiter.api.Test;

class PostbackTemplateTest {

    private static final String TRACKER = "https://tracker.example/postback?cid={tracking.click_id}&payout={amount}"
            + "&cur={currency}&tx={transaction_id}&status={status}&et={event_type}";

    private static JsonNode event(String json) {
        try {
            return Json.tree(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final JsonNode FTD = event("""
            {"event_id":"e-1","event_type":"conversion.ftd","occurred_at":"2026-11-27T10:00:00Z",
             "operator_id":"op","brand_id":"b","affiliate_id":"a","player_ref":"p-1",
             "transaction_id":"tx 1&2=3","amount":"125.50","currency":"EUR",
             "tracking":{"click_id":"clk é/ü ☃","sub1":"a+b"}}""");

    @Test
    void macrosAreFilledAndUrlEncodedSoSpecialCharactersCannotBreakTheQuery() {
        Rendered r = PostbackTemplate.parseUrl(TRACKER, MacroDialect.BRACES).render(FTD, "msg_1", Map.of(), Encoding.URL);

        assertThat(r.text()).isEqualTo("https://tracker.example/postback?cid=clk%20%C3%A9%2F%C3%BC%20%E2%98%83"
                + "&payout=125.50&cur=EUR&tx=tx%201%262%3D3&status=&et=conversion.ftd");
        // The event has no status: rendered empty and reported.
        assertThat(r.emptyMacros()).containsExactly("{status}");
        // Decoding gives back exactly the values: nothing leaked into the query's structure.
        URI u = URI.create(r.text());
        assertThat(u.getQuery()).contains("tx=tx 1&2=3").contains("cid=clk é/ü ☃");
    }

    @Test
    void rawInsertsAValueUnencoded() {
        Rendered r = PostbackTemplate.parse("x={raw:tracking.sub1}&y={tracking.sub1}&id={webhook_id}", MacroDialect.BRACES)
                .render(FTD, "msg_abc", Map.of(), Encoding.URL);
        assertThat(r.text()).isEqualTo("x=a+b&y=a%2Bb&id=msg_abc");
    }

    @Test
    void otherDialectsAreAliasesOfTheSameMacros() {
        String hash = PostbackTemplate.parse("p=#amount#&c=#raw:currency#", MacroDialect.HASH)
                .render(FTD, "m", Map.of(), Encoding.URL).text();
        String doubleBraces = PostbackTemplate.parse("p={{amount}}&c={{raw:currency}}", MacroDialect.DOUBLE_BRACES)
                .render(FTD, "m", Map.of(), Encoding.URL).text();
        assertThat(hash).isEqualTo("p=125.50&c=EUR").isEqualTo(doubleBraces);
    }

    @Test
    void formAndJsonBodiesEncodeForWhereTheValueGoes() {
        assertThat(PostbackTemplate.parse("tx={transaction_id}&cid={tracking.click_id}", MacroDialect.BRACES)
                .render(FTD, "m", Map.of(), Encoding.FORM).text())
                .isEqualTo("tx=tx+1%262%3D3&cid=clk+%C3%A9%2F%C3%BC+%E2%98%83");
        // JSON's own braces are not macros in the double-brace dialect.
        String jsonWithSingleBraces = "{\"tx\":\"{transaction_id}\"}";
        assertThat(PostbackTemplate.parse(jsonWithSingleBraces, MacroDialect.DOUBLE_BRACES)
                .render(FTD, "m", Map.of(), Encoding.JSON).text()).isEqualTo(jsonWithSingleBraces);
        JsonNode withQuote = event("{\"transaction_id\":\"a\\\"b\\\\c\"}");
        assertThat(PostbackTemplate.parse("{\"tx\":\"{{transaction_id}}\"}", MacroDialect.DOUBLE_BRACES)
                .render(withQuote, "m", Map.of(), Encoding.JSON).text()).isEqualTo("{\"tx\":\"a\\\"b\\\\c\"}");
    }

    @Test
    void valueMapReplacesListedValuesAndPassesOthers() {
        JsonNode kyc = event("{\"status\":\"approved\",\"previous_status\":\"pending\"}");
        Map<String, Map<String, String>> map = Map.of("status", Map.of("approved", "1", "rejected", "3"));
        PostbackTemplate.checkValueMap(map);
        assertThat(PostbackTemplate.parse("s={status}&p={previous_status}", MacroDialect.BRACES)
                .render(kyc, "m", map, Encoding.URL).text()).isEqualTo("s=1&p=pending");
    }

    @Test
    void unknownMacroIsRefusedNamingIt() {
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("https://t.example/?p={payout}", MacroDialect.BRACES))
                .isInstanceOf(InvalidTemplateException.class)
                .hasMessageStartingWith("macro {payout} names no event field")
                .satisfies(e -> assertThat(((InvalidTemplateException) e).macro()).isEqualTo("{payout}"));
        assertThatThrownBy(() -> PostbackTemplate.parse("p=#tracking.sub9#", MacroDialect.HASH))
                .hasMessageStartingWith("macro #tracking.sub9# names no event field");
        assertThatThrownBy(() -> PostbackTemplate.parse("p={amount", MacroDialect.BRACES))
                .hasMessageContaining("{amount").hasMessageContaining("is not closed");
    }

    @Test
    void templateThatCannotRenderToAnHttpUrlIsRefused() {
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("ftp://t.example/?p={amount}", MacroDialect.BRACES))
                .hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("https://t.example/a b?p={amount}", MacroDialect.BRACES))
                .hasMessageContaining("valid URL");
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("{raw:tracking.click_id}", MacroDialect.BRACES))
                .hasMessageContaining("http(s) URL");
    }

    @Test
    void aMacroInTheSchemeHostOrPortIsRefusedNamingIt() {
        for (String t : List.of("http://{tracking.sub1}:8080/pb?x=1", "https://{raw:tracking.sub1}/pb",
                "https://t.example:{deposit_count}/pb", "https://t.example{raw:status}/pb",
                "https://{raw:tracking.sub1}@t.example/pb")) {
            assertThatThrownBy(() -> PostbackTemplate.parseUrl(t, MacroDialect.BRACES)).as(t)
                    .isInstanceOf(InvalidTemplateException.class)
                    .hasMessageStartingWith("macro {")
                    .hasMessageContaining("is in the scheme, host or port; write scheme://host[:port] literally");
        }
        // Refused before, as not rendering to an http(s) URL with a host, whatever the value.
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("http{raw:status}://t.example/pb", MacroDialect.BRACES))
                .isInstanceOf(InvalidTemplateException.class);
        assertThatThrownBy(() -> PostbackTemplate.parseUrl("http://#tracking.sub1#/pb", MacroDialect.HASH))
                .hasMessageStartingWith("macro #tracking.sub1# is in the scheme, host or port");
    }

    @Test
    void macrosInThePathAndQueryOfALiteralHostAreAccepted() {
        for (String t : List.of("https://t.example/pb/{event_id}?p={amount}", "https://t.example?cid={tracking.click_id}",
                "http://t.example:8080/{raw:status}", "https://t.example/fixed")) {
            assertThat(PostbackTemplate.parseUrl(t, MacroDialect.BRACES).toString()).isEqualTo(t);
        }
    }

    @Test
    void badValueMapIsRefusedNamingTheField() {
        assertThatThrownBy(() -> PostbackTemplate.checkValueMap(Map.of("stage", Map.of("a", "1"))))
                .hasMessage("value_map.stage names no event field");
    }

    @Test
    void macrosAreListedInOrder() {
        assertThat(PostbackTemplate.parse(TRACKER, MacroDialect.BRACES).macros().stream().map(PostbackTemplate.Macro::name))
                .isEqualTo(List.of("tracking.click_id", "amount", "currency", "transaction_id", "status", "event_type"));
    }
}
