package io.hookrelay.delivery;

import java.io.InterruptedIOException;

/**
 * An attempt cut off by the sender's overall deadline: the subscriber kept the exchange going
 * (a body trickling in, for example) past every per-step timeout's reach.
 */
final class AttemptDeadlineException extends InterruptedIOException {

    AttemptDeadlineException(String message) {
        super(message);
    }
}
