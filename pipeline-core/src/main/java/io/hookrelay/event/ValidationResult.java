package io.hookrelay.event;

import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The canonical event when valid, or every field error found. */
public record ValidationResult(ObjectNode canonical, EventFamily family, List<FieldError> errors) {

    public boolean valid() {
        return errors.isEmpty();
    }

    /** All errors in one line, for the {@code webhooks.error} header and logs. */
    public String summary() {
        return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    }
}
