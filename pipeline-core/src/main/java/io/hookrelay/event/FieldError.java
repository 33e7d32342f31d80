package io.hookrelay.event;

/** One thing wrong with one field of an event, as a user reads it: {@code amount: must be a decimal string such as "125.50"}. */
public record FieldError(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
