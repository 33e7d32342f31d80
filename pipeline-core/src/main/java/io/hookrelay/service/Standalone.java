package io.hookrelay.service;

import java.time.Clock;
import java.util.function.BiFunction;

import io.hookrelay.config.ConfigException;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.TopicProvisioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one service on its own against {@code KAFKA_BOOTSTRAP_SERVERS}: the {@code main} of every service. */
public final class Standalone {

    private static final Logger log = LoggerFactory.getLogger(Standalone.class);

    private Standalone() {
    }

    /**
     * Reads the configuration from the environment, creates missing topics, starts the service and
     * closes it when the JVM shuts down. A bad setting prints one line per problem on stderr and
     * exits with status 2.
     */
    public static void run(String name, BiFunction<PipelineConfig, Clock, ? extends AutoCloseable> start) {
        PipelineConfig config;
        try {
            config = PipelineConfig.fromEnvironment();
            config.bootstrapServers();
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        AutoCloseable service = start(config, start);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                log.warn("{} did not stop cleanly: {}", name, e.toString());
            }
        }, name + "-shutdown"));
        log.info("{} started against Kafka {}", name, config.bootstrapServers());
    }

    /** Creates the topics the configuration needs when missing, then starts the service. */
    public static <S extends AutoCloseable> S start(PipelineConfig config, BiFunction<PipelineConfig, Clock, S> start) {
        TopicProvisioner.ensure(config);
        return start.apply(config, Clock.systemUTC());
    }
}
