package io.hookrelay.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;

import io.hookrelay.metrics.ConsumerLag;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One life of a committing consumer (the dispatcher's, the retry-service's): the consumer, its
 * {@link OffsetCommitter}, its Kafka client meters and its group's {@code hookrelay_consumer_lag},
 * built together and closed together, so that a consumer rebuilt after a failure
 * ({@link Recoveries#keepRunning}) leaves nothing of the old one behind.
 */
public final class ConsumerSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerSession.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final OffsetCommitter committer;
    private final KafkaClientMetrics clientMetrics;
    private final ConsumerLag lag;

    private ConsumerSession(Properties props, Collection<String> topics, MeterRegistry registry) {
        String clientId = props.getProperty(ConsumerConfig.CLIENT_ID_CONFIG);
        String group = props.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.committer = new OffsetCommitter(consumer, group, clientId);
        this.clientMetrics = new KafkaClientMetrics(consumer);
        clientMetrics.bindTo(registry);
        this.lag = ConsumerLag.start(props.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG), group,
                List.copyOf(topics), clientId + "-lag", registry);
    }

    /** Builds the consumer of {@code props} (not yet subscribed) with its committer, meters and lag. */
    public static ConsumerSession open(Properties props, Collection<String> topics, MeterRegistry registry) {
        return new ConsumerSession(props, topics, registry);
    }

    public KafkaConsumer<String, byte[]> consumer() {
        return consumer;
    }

    public OffsetCommitter committer() {
        return committer;
    }

    /** Stops the lag and the meters, then closes the consumer (at most 5 s); never throws. */
    @Override
    public void close() {
        lag.close();
        clientMetrics.close();
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.warn("Closing the consumer failed", e);
        }
    }
}
