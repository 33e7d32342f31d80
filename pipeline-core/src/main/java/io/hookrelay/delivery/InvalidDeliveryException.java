package io.hookrelay.delivery;

/**
 * A retry or dead-letter record whose value is not a readable delivery. Retrying cannot help: the
 * bytes will not change, so the reader dead-letters the record with reason {@code invalid}.
 */
public final class InvalidDeliveryException extends RuntimeException {

    public InvalidDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
