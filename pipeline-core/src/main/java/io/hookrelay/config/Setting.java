package io.hookrelay.config;

import java.util.function.Function;

/**
 * One configuration setting, declared once: its environment variable name, default, parser (which
 * is also its validator) and documentation. The README's configuration table is generated from
 * these declarations and a test keeps the two equal.
 *
 * @param name the environment variable
 * @param defaultValue the value used when the variable is unset, or null when it has none
 * @param expected what a valid value looks like, for error messages and the docs
 * @param parser turns the text into a value; throws IllegalArgumentException with the rule broken
 * @param doc one sentence for the configuration reference
 */
public record Setting<T>(String name, String defaultValue, String expected, Function<String, T> parser, String doc) {

    T parse(String raw) {
        return parser.apply(raw.trim());
    }
}
