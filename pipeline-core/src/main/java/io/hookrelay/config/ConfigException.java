package io.hookrelay.config;

/** A configuration value that the pipeline cannot start with. The message names every bad setting. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
