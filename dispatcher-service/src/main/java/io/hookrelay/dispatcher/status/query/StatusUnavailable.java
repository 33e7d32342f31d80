package io.hookrelay.dispatcher.status.query;

/**
 * A status query cannot be answered right now: the app is starting or restoring, a rebalance is
 * moving the store, or the instance that holds it does not answer. Retriable; the API answers 503
 * with {@code Retry-After}.
 */
final class StatusUnavailable extends RuntimeException {

    StatusUnavailable(String message, Throwable cause) {
        super(message, cause);
    }

    StatusUnavailable(String message) {
        super(message);
    }
}
