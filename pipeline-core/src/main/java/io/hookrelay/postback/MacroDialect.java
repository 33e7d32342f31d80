package io.hookrelay.postback;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How macros are written in a postback template. Trackers document different spellings of the
 * same idea; a subscription picks the one its tracker's docs use, so a URL can be pasted as it is.
 * In every dialect {@code raw:} before the name inserts the value without encoding.
 */
public enum MacroDialect {
    /** {@code {amount}}, {@code {tracking.click_id}}, {@code {raw:amount}}: the default. */
    BRACES("{", "}"),
    /** {@code #amount#}, as some trackers (Binom, Keitaro) write them. */
    HASH("#", "#"),
    /** {@code {{amount}}}, as template-minded platforms write them. */
    DOUBLE_BRACES("{{", "}}");

    final String open;
    final String close;

    MacroDialect(String open, String close) {
        this.open = open;
        this.close = close;
    }

    /** The wire name: {@code braces}, {@code hash}, {@code double_braces}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MacroDialect> fromWire(String wire) {
        return Arrays.stream(values()).filter(d -> d.wire().equals(wire)).findFirst();
    }
}
