package io.hookrelay.delivery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.hookrelay.config.Durations;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.delivery.AttemptResult.Verdict;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * The one place that decides what an HTTP answer or a failed exchange means for a delivery
 * (contract §4): 2xx is delivered; 410 Gone is permanent (the subscription is disabled and the
 * delivery dead-lettered with reason {@code gone}); everything else, including 3xx (redirects are
 * not followed), timeouts, connection failures and refused targets, is retried on the schedule.
 * 429 and 503 with {@code Retry-After} (seconds or an HTTP date) also say how long to wait.
 *
 * <p>A refused target (the connect-time SSRF check) is retriable, not permanent: DNS can change
 * back, the operator can fix the URL within the retry window (each retry reads the current
 * subscription), and the contract has no dead reason for it; if it never clears, the delivery
 * ends on the dead-letter topic as {@code exhausted} with the refusal as its last error.
 */
final class FailureClassifier {

    /** Error texts are headers and log lines; keep them short. */
    static final int MAX_ERROR_CHARS = 300;

    private FailureClassifier() {
    }

    /** The verdict on an answer the subscriber gave. */
    static AttemptResult answer(int status, String retryAfter, String excerpt, long attemptedAt, long latencyMs,
                                Instant answeredAt) {
        if (status >= 200 && status < 300) {
            return new AttemptResult(Verdict.DELIVERED, null, status, attemptedAt, latencyMs, 0L, null, excerpt, null);
        }
        if (status == 410) {
            return new AttemptResult(Verdict.PERMANENT, DeadReason.GONE, status, attemptedAt, latencyMs, 0L,
                    "HTTP 410 Gone: the endpoint asked to stop; subscription disabled", excerpt, null);
        }
        long notBefore = 0L;
        String error = "HTTP " + status;
        if (status >= 300 && status < 400) {
            error += ": redirects are not followed; point the subscription at the final URL";
        }
        if ((status == 429 || status == 503) && retryAfter != null) {
            Optional<Instant> at = retryAfter(retryAfter, answeredAt);
            if (at.isPresent()) {
                notBefore = at.get().toEpochMilli();
                error += " with Retry-After " + retryAfter.trim();
            }
        }
        return new AttemptResult(Verdict.RETRIABLE, null, status, attemptedAt, latencyMs, notBefore, error, excerpt, null);
    }

    /** The verdict on an exchange that ended without an answer; the cause is kept on the result. */
    static AttemptResult failure(Throwable e, String endpoint, Duration timeout, long attemptedAt, long latencyMs) {
        Throwable cause = unwrap(e);
        String error = clip(describe(cause, endpoint, timeout));
        return new AttemptResult(Verdict.RETRIABLE, null, 0, attemptedAt, latencyMs, 0L, error, "", cause);
    }

    /**
     * When a {@code Retry-After} value lets the next call happen: delay-seconds or an HTTP date
     * (RFC 9110 §10.2.3). Empty for a value that is neither, or for a negative delay.
     */
    static Optional<Instant> retryAfter(String value, Instant now) {
        String v = value.trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(now.plusSeconds(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                // More digits than a long holds: a date this far away means "much later"; the caller caps it.
                return Optional.of(Instant.MAX);
            }
        }
        try {
            return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String describe(Throwable e, String endpoint, Duration timeout) {
        String t = Durations.format(timeout);
        if (e instanceof RefusedTargetException) {
            return e.getMessage();
        }
        if (e instanceof AttemptDeadlineException) {
            return e.getMessage();
        }
        if (e instanceof ConnectTimeoutException) {
            return "connect timed out: " + endpoint + " did not accept a connection within " + t
                    + " (WEBHOOKS_HTTP_TIMEOUT)";
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out: " + endpoint + " did not answer within " + t + " (WEBHOOKS_HTTP_TIMEOUT)";
        }
        if (e instanceof TimeoutException) {
            // Only the pool lease waits on a java.util.concurrent timeout: with a cap per host set,
            // every connection to this endpoint stayed busy with earlier deliveries for the whole timeout.
            return "no free connection to " + endpoint + " within " + t + ": all WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT"
                    + " connections were busy with earlier deliveries";
        }
        if (e instanceof UnknownHostException) {
            return "host of " + endpoint + " does not resolve";
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            return "connection to " + endpoint + " failed: " + message(e);
        }
        if (e instanceof SSLException) {
            return "TLS with " + endpoint + " failed: " + message(e);
        }
        if (e instanceof InvalidSubscriptionException) {
            return e.getMessage();
        }
        if (e instanceof CancellationException) {
            return "attempt cancelled: the sender is shutting down";
        }
        return e.getClass().getSimpleName() + " talking to " + endpoint + ": " + message(e);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static String clip(String s) {
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS - 1) + "…";
    }
}
