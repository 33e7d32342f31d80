package io.hookrelay.ingest.api;

import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** One embedded broker with the pipeline's topics, shared by the test classes of this JVM. */
public final class TestKafka {

    private static EmbeddedKafka broker;

    private TestKafka() {
    }

    /** The shared broker's bootstrap address; starts it and creates the topics on first use. */
    public static synchronized String bootstrap() {
        if (broker == null) {
            quietLogs();
            broker = EmbeddedKafka.startEphemeral();
            TopicProvisioner.ensure(broker.bootstrapServers(), 2, RetrySchedule.parse("5s"));
        }
        return broker.bootstrapServers();
    }

    /** Without a logback-test.xml, logback logs everything at DEBUG; the broker's debug log drowns the tests'. */
    public static void quietLogs() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        ((Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.WARN);
        ((Logger) LoggerFactory.getLogger("kafka")).setLevel(Level.WARN);
        ((Logger) LoggerFactory.getLogger("state.change.logger")).setLevel(Level.WARN);
        ((Logger) LoggerFactory.getLogger("org.eclipse.jetty")).setLevel(Level.WARN);
        ((Logger) LoggerFactory.getLogger("io.javalin")).setLevel(Level.WARN);
    }
}
