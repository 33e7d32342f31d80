package io.hookrelay.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogLineTest {

    @Test
    void writesEventThenKeyValuePairsQuotingOnlyWhatNeedsIt() {
        String line = LogLine.event("delivery.dead_lettered")
                .with("webhook_id", "msg_abc")
                .with("attempt", 8)
                .with("error", "HTTP 500")
                .with("empty", "")
                .with("skipped", null)
                .with("tricky", "a=\"b\"\\c")
                .toString();

        assertThat(line).isEqualTo("event=delivery.dead_lettered webhook_id=msg_abc attempt=8 error=\"HTTP 500\""
                + " empty=\"\" tricky=\"a=\\\"b\\\"\\\\c\"");
    }

    @Test
    void keepsOneEventOnOneLine() {
        String line = LogLine.event("input.rejected").with("error", "line one\nline two\r\tend").toString();

        assertThat(line).doesNotContain("\n", "\r").endsWith("error=\"line one\\nline two\\r\\tend\"");
    }
}
