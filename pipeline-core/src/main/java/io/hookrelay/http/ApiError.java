package io.hookrelay.http;

import java.util.List;

/**
 * An API answer that is not a success, in the contract's error shape (§5):
 * {@code {"error": "<code>", "message": "<human sentence>", "details": [...]}}. Throw it from a
 * handler; {@link HttpApi} turns it into the response.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String code;
    private final List<?> details;

    public ApiError(int status, String code, String message, List<?> details) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = details == null ? List.of() : details;
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, List.of());
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<?> details() {
        return details;
    }

    public static ApiError notFound(String what) {
        return new ApiError(404, ErrorCodes.NOT_FOUND, what + " does not exist");
    }

    public static ApiError badRequest(String message, List<?> details) {
        return new ApiError(400, ErrorCodes.INVALID_REQUEST, message, details);
    }

    /**
     * Every service's 503 {@code kafka_unavailable}: Kafka did not take a write or could not be read in
     * time. Retriable; {@code message} says what failed and why repeating the request is safe.
     */
    public static ApiError kafkaUnavailable(String message) {
        return new ApiError(503, ErrorCodes.KAFKA_UNAVAILABLE, message);
    }
}
