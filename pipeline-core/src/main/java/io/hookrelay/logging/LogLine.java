package io.hookrelay.logging;

/**
 * One structured log line per notable event, in logfmt: {@code event=<name>} followed by
 * {@code key=value} pairs, e.g.
 * {@code event=delivery.dead_lettered webhook_id=msg_... subscription_id=sub_... reason=exhausted error="HTTP 500"}.
 * A value is quoted when it holds a space, a quote, an equals sign or nothing at all; a null value
 * leaves its key out. Pass a {@code LogLine} as the argument of {@code log.info("{}", line)}, so it is
 * rendered only when the level is enabled.
 *
 * <p>What goes in is the caller's responsibility, and the rule is the same everywhere: ids, reasons,
 * counts and {@code scheme://host[:port]} endpoints only; never a secret, a signature, an API key, a
 * URL path or query, or event data.
 */
public final class LogLine {

    private final StringBuilder text = new StringBuilder(128);

    private LogLine(String event) {
        text.append("event=").append(event);
    }

    /** A line about {@code event}, a dotted lower-case name such as {@code delivery.dead_lettered}. */
    public static LogLine event(String event) {
        return new LogLine(event);
    }

    /** Adds {@code key=value}; nothing when {@code value} is null. */
    public LogLine with(String key, Object value) {
        if (value != null) {
            text.append(' ').append(key).append('=');
            appendValue(String.valueOf(value));
        }
        return this;
    }

    private void appendValue(String v) {
        boolean quote = v.isEmpty();
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = c <= ' ' || c == '"' || c == '=' || c == '\\';
        }
        if (!quote) {
            text.append(v);
            return;
        }
        text.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                // One event, one line: a value never breaks the line.
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> text.append(c);
            }
        }
        text.append('"');
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
