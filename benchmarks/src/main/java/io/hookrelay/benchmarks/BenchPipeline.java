package io.hookrelay.benchmarks;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.ingest.IngestService;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.service.RetryService;

/**
 * One scenario's pipeline, deployed the way the services ship: an embedded broker, the
 * ingest-service and the retry-service in the benchmark's JVM, and the dispatcher, the service
 * under test, in its own JVM at {@value DispatcherProcess#HEAP}. Closing stops them in reverse.
 */
final class BenchPipeline implements AutoCloseable {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private PipelineConfig config;
    private IngestService ingest;
    private DispatcherProcess dispatcher;

    private BenchPipeline() {
    }

    /**
     * @param env every setting but the broker address, which this fills in
     * @param dispatcherJvmOptions extra options for the dispatcher's JVM (a profiler, say)
     */
    static BenchPipeline start(Map<String, String> env, List<String> dispatcherJvmOptions, Path dataDir) {
        BenchPipeline p = new BenchPipeline();
        try {
            p.startAll(env, dispatcherJvmOptions, dataDir);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void startAll(Map<String, String> baseEnv, List<String> dispatcherJvmOptions, Path dataDir) {
        EmbeddedKafka broker = EmbeddedKafka.start(dataDir.resolve("kafka"), EmbeddedKafka.freePort());
        started.push(broker);
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
        env.put(PipelineConfig.DATA_DIR.name(), dataDir.resolve("services").toString());
        config = PipelineConfig.from(env);
        TopicProvisioner.ensure(config);
        RetryService retry = RetryService.start(config, Clock.systemUTC());
        started.push(retry);
        Map<String, String> dispatcherEnv = new HashMap<>(env);
        dispatcherEnv.put(PipelineConfig.DATA_DIR.name(), dataDir.resolve("dispatcher").toString());
        dispatcher = DispatcherProcess.start(dispatcherEnv, dispatcherJvmOptions, dataDir.resolve("dispatcher.log"));
        started.push(dispatcher);
        ingest = IngestService.start(config, Clock.systemUTC());
        started.push(ingest);
    }

    PipelineConfig config() {
        return config;
    }

    String ingestUrl() {
        return "http://localhost:" + ingest.httpPort();
    }

    DispatcherProcess dispatcher() {
        return dispatcher;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("Stopping part of the benchmark pipeline failed: " + e);
            }
        }
    }
}
