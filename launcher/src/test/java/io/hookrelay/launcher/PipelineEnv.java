package io.hookrelay.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import io.hookrelay.kafka.embedded.EmbeddedKafka;

/**
 * The environment of a whole pipeline in one test process: its own data directory and embedded
 * broker port, every HTTP port picked free, plus the test's own settings.
 */
final class PipelineEnv {

    private PipelineEnv() {
    }

    /** @param settings name, value, name, value... */
    static Map<String, String> of(String name, String... settings) {
        if (settings.length % 2 != 0) {
            throw new IllegalArgumentException("settings come in name, value pairs");
        }
        Map<String, String> env = new HashMap<>();
        try {
            env.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("hookrelay-" + name + "-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()));
        env.put("INGEST_HTTP_PORT", "0");
        env.put("DISPATCHER_HTTP_PORT", "0");
        env.put("RETRY_HTTP_PORT", "0");
        for (int i = 0; i < settings.length; i += 2) {
            env.put(settings[i], settings[i + 1]);
        }
        return Map.copyOf(env);
    }
}
