package io.hookrelay.subscription;

import java.util.Optional;

import io.hookrelay.event.EventFamily;

/** Event-type patterns of subscriptions: {@code *}, a family wildcard such as {@code conversion.*}, or an exact type. */
public final class EventTypePattern {

    private EventTypePattern() {
    }

    public static boolean matches(String pattern, String eventType) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith(".*")) {
            // "family.*" matches "family.<anything>": compare in place, no substring per event.
            return eventType.regionMatches(0, pattern, 0, pattern.length() - 1);
        }
        return pattern.equals(eventType);
    }

    /** Why {@code pattern} can never match an event, or empty when it is valid. */
    public static Optional<String> problem(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            return Optional.of("must not be empty");
        }
        if (pattern.equals("*") || EventFamily.allEventTypes().contains(pattern)) {
            return Optional.empty();
        }
        if (pattern.endsWith(".*") && EventFamily.ofWireName(pattern.substring(0, pattern.length() - 2)).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("'" + pattern + "' is not *, a family wildcard such as conversion.*, or one of "
                + String.join(", ", EventFamily.allEventTypes()));
    }
}
