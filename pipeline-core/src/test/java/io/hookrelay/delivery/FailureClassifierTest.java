package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.delivery.AttemptResult.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailureClassifierTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    private static AttemptResult answer(int status, String retryAfter) {
        return FailureClassifier.answer(status, retryAfter, "body", NOW.toEpochMilli(), 12, NOW);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204, 299})
    void any2xxIsDelivered(int status) {
        AttemptResult r = answer(status, null);

        assertThat(r.verdict()).isEqualTo(Verdict.DELIVERED);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.error()).isNull();
        assertThat(r.responseExcerpt()).isEqualTo("body");
    }

    @Test
    void goneIsPermanentWithReasonGone() {
        AttemptResult r = answer(410, null);

        assertThat(r.verdict()).isEqualTo(Verdict.PERMANENT);
        assertThat(r.deadReason()).isEqualTo(DeadReason.GONE);
        assertThat(r.error()).contains("410");
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 307, 308})
    void redirectsAreRetriedNotFollowed(int status) {
        AttemptResult r = answer(status, null);

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.error()).isEqualTo("HTTP " + status + ": redirects are not followed; point the subscription at the final URL");
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504})
    void otherClientAndServerErrorsAreRetriable(int status) {
        AttemptResult r = answer(status, null);

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.deadReason()).isNull();
        assertThat(r.error()).isEqualTo("HTTP " + status);
        assertThat(r.notBefore()).isZero();
    }

    @Test
    void retryAfterSecondsOn429SetsNotBefore() {
        AttemptResult r = answer(429, "120");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.retryNotBefore()).contains(NOW.plusSeconds(120));
        assertThat(r.error()).isEqualTo("HTTP 429 with Retry-After 120");
    }

    @Test
    void retryAfterHttpDateOn503SetsNotBefore() {
        AttemptResult r = answer(503, "Fri, 27 Nov 2026 11:30:00 GMT");

        assertThat(r.retryNotBefore()).contains(Instant.parse("2026-11-27T11:30:00Z"));
    }

    @Test
    void retryAfterIsIgnoredOnOtherStatusesAndWhenUnreadable() {
        assertThat(answer(500, "120").retryNotBefore()).isEmpty();
        assertThat(answer(429, "soon").retryNotBefore()).isEmpty();
        assertThat(answer(503, "-5").retryNotBefore()).isEmpty();
    }

    @Test
    void timeoutIsRetriableWithStatusZeroAndKeepsItsCause() {
        SocketTimeoutException timeout = new SocketTimeoutException("5000 MILLISECONDS");

        AttemptResult r = FailureClassifier.failure(new CompletionException(timeout), "https://hooks.example.com",
                Duration.ofSeconds(15), NOW.toEpochMilli(), 15_000);

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isZero();
        assertThat(r.cause()).isSameAs(timeout);
        assertThat(r.error()).isEqualTo("timed out: https://hooks.example.com did not answer within 15s (WEBHOOKS_HTTP_TIMEOUT)");
    }

    @Test
    void refusedTargetIsRetriableAndSaysWhichSettingAllowsIt() {
        AttemptResult r = FailureClassifier.failure(new RefusedTargetException("target refused: internal resolves to 10.0.0.1,"
                + " a private, loopback or link-local address; set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets"),
                "http://internal", Duration.ofSeconds(15), NOW.toEpochMilli(), 1);

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isZero();
        assertThat(r.error()).startsWith("target refused: internal resolves to 10.0.0.1").contains("WEBHOOKS_ALLOW_PRIVATE_TARGETS");
    }

    @Test
    void errorTextIsClipped() {
        AttemptResult r = FailureClassifier.failure(new IllegalStateException("x".repeat(5000)), "http://h",
                Duration.ofSeconds(1), 0, 0);

        assertThat(r.error()).hasSize(FailureClassifier.MAX_ERROR_CHARS).endsWith("…");
    }
}
