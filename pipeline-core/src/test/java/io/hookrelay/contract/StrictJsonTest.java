package io.hookrelay.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link Json#strictTree}: what input from outside must be, with the words a refusal uses. */
class StrictJsonTest {

    /** {"a": "x<bad>y"}: the bad bytes start at offset 8. */
    private static byte[] withBytesInAString(int... bad) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("{\"a\": \"x".getBytes(StandardCharsets.UTF_8));
        for (int b : bad) {
            out.write(b);
        }
        out.writeBytes("y\"}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            overlong slash,            C0 AF,       0xC0
            overlong three bytes,      E0 80 AF,    0xE0
            beyond U+10FFFF,           F4 90 80 80, 0xF4
            surrogate half,            ED A0 80,    0xED
            lone continuation byte,    80,          0x80
            cut short,                 E2 82,       0xE2
            invalid byte,              FF,          0xFF
            """)
    void refusesBytesThatAreNotUtf8NamingTheOffset(String what, String hex, String first) {
        String[] parts = hex.split(" ");
        int[] bytes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = Integer.parseInt(parts[i], 16);
        }
        assertThatThrownBy(() -> Json.strictTree(withBytesInAString(bytes)))
                .isInstanceOf(Json.MalformedJsonException.class)
                .hasMessageStartingWith("is not valid UTF-8 at byte offset 8: the byte " + first + " there is not part of a valid UTF-8 character")
                .hasMessageEndingWith("JSON must be sent as UTF-8");
    }

    @Test
    void readsUtf8InAnyPlaneAsItIs() throws Exception {
        String text = "José ñ € 𝄞";
        assertThat(Json.strictTree(("{\"a\": \"" + text + "\"}").getBytes(StandardCharsets.UTF_8)).get("a").textValue())
                .isEqualTo(text);
    }

    @Test
    void neverGuessesAnotherEncoding() {
        // Jackson alone reads this as UTF-32 and fails inside its decoder with an internal error.
        byte[] utf32ish = {'{', 0, 0, 0, '"', 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f};
        assertThatThrownBy(() -> Json.strictTree(utf32ish)).isInstanceOf(Json.MalformedJsonException.class)
                .hasMessageStartingWith("is not valid");
        byte[] utf16 = "{\"a\": 1}".getBytes(StandardCharsets.UTF_16LE);
        assertThatThrownBy(() -> Json.strictTree(utf16)).isInstanceOf(Json.MalformedJsonException.class);
    }

    @Test
    void refusesDuplicateKeysTrailingContentAndNothing() {
        assertThatThrownBy(() -> Json.strictTree(utf8("{\"a\": 1, \"a\": 2}")))
                .hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> Json.strictTree(utf8("{} {}"))).hasMessageContaining("Trailing token");
        assertThatThrownBy(() -> Json.strictTree(utf8("  \n"))).hasMessageContaining("no JSON document");
        assertThatThrownBy(() -> Json.strictTree(utf8("[".repeat(5000) + "]".repeat(5000))))
                .isInstanceOf(Json.MalformedJsonException.class).hasMessageContaining("nesting depth");
    }

    @Test
    void detailNamesTheProblemThenWhereForAReasonThatSaysInvalidJson() {
        try {
            Json.strictTree(utf8("{\"a\": }"));
        } catch (Json.MalformedJsonException e) {
            assertThat(e.detail()).startsWith("Unexpected character").endsWith(" at line 1, column 7");
            return;
        }
        throw new AssertionError("not refused");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
