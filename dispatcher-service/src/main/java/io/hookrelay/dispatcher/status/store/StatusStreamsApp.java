package io.hookrelay.dispatcher.status.store;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.kafka.SupervisedStreams;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka Streams client of the status stores: configuration, start, state logging and close. */
public final class StatusStreamsApp implements AutoCloseable {

    /** Also the prefix of the app's internal topics, so it is a wire name: changing it loses the stores. */
    static final String APPLICATION_ID = "hookrelay-status";
    private static final Logger log = LoggerFactory.getLogger(StatusStreamsApp.class);

    /** The name of the app in {@code /health}, meters and recovery log lines. */
    static final String COMPONENT = "status-streams";

    static final int COMMIT_INTERVAL_MS = 500;

    private final SupervisedStreams streams;

    private StatusStreamsApp(SupervisedStreams streams) {
        this.streams = streams;
    }

    /**
     * Builds and starts the app; returns at once (RUNNING once the stores are restored). It heals
     * itself ({@link SupervisedStreams}); deliveries go on meanwhile and their attempts, durable on
     * {@code webhooks.attempts}, reach the stores once it runs again.
     *
     * @param self the host and HTTP port other instances reach this one on, for interactive queries
     */
    public static StatusStreamsApp start(PipelineConfig config, StatusSettings settings, Clock clock,
                                  SubscriptionCatalog catalog, HostInfo self, MeterRegistry meters) {
        Properties properties = properties(config, self);
        SupervisedStreams streams;
        try {
            streams = SupervisedStreams.start(COMPONENT, APPLICATION_ID,
                    () -> new KafkaStreams(StatusTopology.build(settings, clock, catalog,
                            config.get(PipelineConfig.PARTITIONS)), properties),
                    new Recoveries(meters));
        } catch (StreamsException e) {
            // Typically another instance on this host already holds the directory's lock.
            throw new IllegalStateException("Cannot start the status stores in "
                    + properties.getProperty(StreamsConfig.STATE_DIR_CONFIG) + " (under " + PipelineConfig.DATA_DIR.name()
                    + "): " + e.getMessage() + "; every dispatcher instance on a host needs its own "
                    + PipelineConfig.DATA_DIR.name(), e);
        }
        log.info("event=status.starting application_id={} application_server={}:{} retention={} "
                        + "disable_after={} failing_alert_after={}", APPLICATION_ID, self.host(), self.port(),
                settings.retention(), settings.disableAfter(), settings.failingAlertAfter());
        return new StatusStreamsApp(streams);
    }

    public SupervisedStreams supervised() {
        return streams;
    }

    public boolean isRunning() {
        return streams.isRunning();
    }

    /** Closes cleanly and leaves the group, so the partitions move to the other instances at once. */
    @Override
    public void close() {
        streams.close();
    }

    static Properties properties(PipelineConfig config, HostInfo self) {
        Path stateDir = config.get(PipelineConfig.DATA_DIR).resolve("streams").resolve("status");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // The stores, their changelogs, the alerts and an auto-disable commit together: an alert is
        // never written twice, nor a subscription disabled without its health saying so.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Under exactly-once, alerts and auto-disables become visible at commit, and each commit
        // writes every health changed since the last (the store is cached) plus a transaction's
        // markers. 500 ms: an alert that took minutes of failures to earn is out within half a
        // second, at a fifth of the writes 100 ms made (queries read the store, not the commit).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // -1: the broker's default replication factor, so one setting serves a laptop and a cluster.
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        KafkaClients.groupMembership().forEach((k, v) -> p.put(StreamsConfig.mainConsumerPrefix(k), v));
        // No timestamp alignment between attempts and dead letters (there is no join): process what
        // has arrived instead of waiting for, and checking, an empty partition.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        return p;
    }
}
