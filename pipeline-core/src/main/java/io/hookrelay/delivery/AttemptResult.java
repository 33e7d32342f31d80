package io.hookrelay.delivery;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.hookrelay.contract.DeadReason;

/**
 * What one HTTP delivery attempt came to, as {@link FailureClassifier} judged it. Made by
 * {@link WebhookSender}; read by {@link DeliveryOutcomeWriter}.
 *
 * @param verdict delivered, worth retrying, or never worth retrying
 * @param deadReason why retrying cannot help, when the verdict is {@link Verdict#PERMANENT}; else null
 * @param status HTTP status of the answer, 0 when there was none (timeout, connection failure, refused target)
 * @param attemptedAt epoch ms when the attempt started, from the sender's clock
 * @param latencyMs from the request leaving on a connection to the complete answer (ms); when no
 *                  connection was had, the whole time the attempt took
 * @param notBefore epoch ms before which the subscriber asked not to be called again (429 or 503
 *                  with Retry-After), 0 when it did not ask
 * @param error a short description of the failure, without secrets; null on success
 * @param responseExcerpt at most the first KiB of the answer's body, decoded as UTF-8; empty when none
 * @param cause the exception behind a failure without an answer, kept for logs; null otherwise
 * @param emptyMacros for a postback, the macros whose field the event lacked (rendered empty); null otherwise
 */
public record AttemptResult(Verdict verdict, DeadReason deadReason, int status, long attemptedAt, long latencyMs,
                            long notBefore, String error, String responseExcerpt, Throwable cause,
                            List<String> emptyMacros) {

    public AttemptResult {
        emptyMacros = emptyMacros == null ? null : List.copyOf(emptyMacros);
    }

    /** A result of a JSON-mode attempt: no macros. */
    public AttemptResult(Verdict verdict, DeadReason deadReason, int status, long attemptedAt, long latencyMs,
                         long notBefore, String error, String responseExcerpt, Throwable cause) {
        this(verdict, deadReason, status, attemptedAt, latencyMs, notBefore, error, responseExcerpt, cause, null);
    }

    /** The same result, reporting the macros a postback rendered empty. */
    public AttemptResult withEmptyMacros(List<String> macros) {
        return new AttemptResult(verdict, deadReason, status, attemptedAt, latencyMs, notBefore, error,
                responseExcerpt, cause, macros);
    }

    /** The two kinds of failure (retriable, permanent), and success. */
    public enum Verdict {
        DELIVERED, RETRIABLE, PERMANENT
    }

    public boolean delivered() {
        return verdict == Verdict.DELIVERED;
    }

    /** The time the subscriber asked us to wait for, if it asked. */
    public Optional<Instant> retryNotBefore() {
        return notBefore > 0 ? Optional.of(Instant.ofEpochMilli(notBefore)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "AttemptResult[" + verdict + (deadReason == null ? "" : "/" + deadReason.wire()) + ", status=" + status
                + ", latencyMs=" + latencyMs + (error == null ? "" : ", error=" + error) + "]";
    }
}
