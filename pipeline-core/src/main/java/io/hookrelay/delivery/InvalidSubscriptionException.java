package io.hookrelay.delivery;

/**
 * A subscription the sender cannot call as it stands (no usable URL, no secret). Retriable: each
 * later attempt reads the subscription again, and its owner may have fixed it by then.
 */
final class InvalidSubscriptionException extends RuntimeException {

    InvalidSubscriptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
