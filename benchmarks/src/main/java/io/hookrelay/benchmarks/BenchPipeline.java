package io.hookrelay.benchmarks;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.BrokerProcess;

/**
 * One scenario's processes besides the receiver: a single-node broker in its own JVM (as the
 * issue's peers were measured: one broker process) and what delivers, in others: the pipeline
 * ({@link PipelineLayout}) or, for S0, the plain consumer. Topics are created with
 * the pipeline's own provisioning in both cases, so the events topic is the same. Closing stops
 * them in reverse.
 */
final class BenchPipeline implements AutoCloseable {

    private final BrokerProcess broker;
    private final PipelineConfig config;
    private SystemUnderTest system;

    private BenchPipeline(BrokerProcess broker, PipelineConfig config) {
        this.broker = broker;
        this.config = config;
    }

    /** The pipeline, laid out as {@code layout}, against a fresh broker; {@code env} holds every setting but the broker's address. */
    static BenchPipeline pipeline(Map<String, String> env, PipelineLayout layout, List<String> jvmOptions, Path dataDir) {
        BenchPipeline p = withBroker(env, dataDir);
        try {
            Map<String, String> all = new HashMap<>(env);
            all.put(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS.name(), p.broker.bootstrap());
            p.system = PipelineProcess.start(all, layout, jvmOptions, dataDir.resolve("pipeline"),
                    dataDir.resolve("pipeline.log"));
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** S0's plain consumer against a fresh broker, posting every event to {@code receiverUrl}. */
    static BenchPipeline plainConsumer(Map<String, String> env, Path dataDir, String receiverUrl) {
        BenchPipeline p = withBroker(env, dataDir);
        try {
            p.system = PlainConsumer.start(p.broker.bootstrap(), receiverUrl, dataDir.resolve("plain-consumer.log"));
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private static BenchPipeline withBroker(Map<String, String> env, Path dataDir) {
        BrokerProcess broker = BrokerProcess.create(dataDir.resolve("broker"), dataDir.resolve("broker.log"), 0);
        broker.start();
        try {
            Map<String, String> e = new HashMap<>(env);
            e.put(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS.name(), broker.bootstrap());
            e.put(PipelineConfig.DATA_DIR.name(), dataDir.resolve("bench").toString());
            PipelineConfig config = PipelineConfig.from(e);
            TopicProvisioner.ensure(config);
            return new BenchPipeline(broker, config);
        } catch (RuntimeException ex) {
            broker.close();
            throw ex;
        }
    }

    PipelineConfig config() {
        return config;
    }

    String bootstrap() {
        return broker.bootstrap();
    }

    long brokerPid() {
        return broker.pid();
    }

    SystemUnderTest system() {
        return system;
    }

    /** The ingest API's address; only for {@link #pipeline}. */
    String ingestUrl() {
        return ((PipelineProcess) system).ingestUrl();
    }

    @Override
    public void close() {
        try {
            if (system != null) {
                system.close();
            }
        } catch (RuntimeException e) {
            System.err.println("Stopping the benchmark's system under test failed: " + e);
        }
        broker.close();
    }
}
