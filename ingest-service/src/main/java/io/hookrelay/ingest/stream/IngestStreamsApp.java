package io.hookrelay.ingest.stream;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.kafka.SupervisedStreams;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams application of ingest-service: validates every record on {@code events.*},
 * drops repeated (operator_id, event_id) pairs within the dedupe window, writes canonical events to
 * {@code webhooks.accepted} and everything it refuses to {@code events.rejected} (contract §1, §2).
 */
public final class IngestStreamsApp implements AutoCloseable {

    /** Also the prefix of the app's internal topics, so it is a wire name: changing it loses dedupe state. */
    public static final String APPLICATION_ID = "hookrelay-ingest";

    /**
     * The largest record the app's producer sends (its {@code max.request.size}, the Kafka default),
     * set explicitly because {@link Rejection} keeps rejections under it.
     */
    static final int MAX_RECORD_BYTES = 1_048_576;

    private static final Logger log = LoggerFactory.getLogger(IngestStreamsApp.class);

    /** The name of the app in {@code /health}, meters and recovery log lines. */
    public static final String COMPONENT = "ingest-streams";

    private final SupervisedStreams streams;

    private IngestStreamsApp(SupervisedStreams streams) {
        this.streams = streams;
    }

    /**
     * Builds and starts the Streams app; returns at once (state becomes RUNNING shortly). It heals
     * itself ({@link SupervisedStreams}): records accepted on {@code events.*} while it recovers wait
     * there, durable, and flow once it runs again.
     *
     * @param metrics where {@code hookrelay_ingest_rejected_total{source="stream"}} and the app's
     *                recoveries are counted
     */
    public static IngestStreamsApp start(PipelineConfig config, Clock clock, MeterRegistry metrics) {
        Duration window = config.get(PipelineConfig.DEDUPE_WINDOW);
        IngestMetrics.Rejections rejections = new IngestMetrics.Rejections(metrics);
        Properties properties = properties(config);
        // Supervised, because this is where accepted events were lost (issue 11): a broker restart
        // held the app's open transaction past its timeout, the coordinator aborted it, and the
        // commit that followed failed (InvalidTxnStateException, or "Cannot execute transactional
        // method because we are in an error state" when a corrupted task was being revived). The
        // stream thread died of it, the old handler answered SHUTDOWN_CLIENT, and the gate stayed
        // down while the HTTP API went on answering 202: events piled up on events.* with nothing
        // to carry them to webhooks.accepted. Replaying the same records cannot fail that way again,
        // so a new thread (new producer, state restored from the changelog) resumes exactly once.
        SupervisedStreams streams = SupervisedStreams.start(COMPONENT, APPLICATION_ID,
                () -> new KafkaStreams(IngestTopology.build(window, clock, MAX_RECORD_BYTES,
                        config.get(PipelineConfig.PARTITIONS), rejections), properties),
                new Recoveries(metrics));
        log.info("Ingest streams app starting: application.id={} dedupe window={} bootstrap={}",
                APPLICATION_ID, window, config.bootstrapServers());
        return new IngestStreamsApp(streams);
    }

    /** True in state RUNNING only; a rebalancing or recovering app is not processing, so it does not count. */
    public boolean isRunning() {
        return streams.isRunning();
    }

    /** The app's supervisor; its client is a new instance after a rebuild. */
    public SupervisedStreams supervised() {
        return streams;
    }

    /** Closes the app cleanly, committing what it has processed; waits at most 10 s. Safe to call twice. */
    @Override
    public void close() {
        streams.close();
    }

    private static final int COMMIT_INTERVAL_MS = 20;

    static Properties properties(PipelineConfig config) {
        Path stateDir = config.get(PipelineConfig.DATA_DIR).resolve("streams").resolve("ingest");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        // The dedupe store's changelog, the consumer offsets and both outputs commit in one
        // transaction: a crash can neither lose an accepted event nor let its duplicate through.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Under exactly-once, output is visible to read_committed consumers only at commit, and an
        // event crosses two commits (the dedupe repartition, then webhooks.accepted): the commit
        // interval is the floor of ingest latency. 20 ms keeps the path under ~50 ms at the cost of
        // more, smaller transactions.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // Streams' own producer default lingers 100 ms; the commit flushes every 20 ms anyway.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // A write racing the previous commit's markers is refused (CONCURRENT_TRANSACTIONS) and retried;
        // the default 100 ms backoff would then be most of an event's latency.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
        // No timestamp alignment across the five events.* partitions a task reads (there is no join):
        // process whatever has arrived instead of waiting for, and checking, the empty ones.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // -1: the broker's default replication factor, so one setting serves a laptop and a cluster.
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        KafkaClients.groupMembership().forEach((k, v) -> p.put(StreamsConfig.mainConsumerPrefix(k), v));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), MAX_RECORD_BYTES);
        return p;
    }
}
