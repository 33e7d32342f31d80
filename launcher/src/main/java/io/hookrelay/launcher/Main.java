package io.hookrelay.launcher;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.hookrelay.config.ConfigException;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.ingest.IngestService;
import io.hookrelay.retry.service.RetryService;
import io.hookrelay.service.Standalone;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The command line of the pipeline's jar: everything in one process, the demo, or one service on its own. */
@Command(name = "hookrelay", mixinStandardHelpOptions = true, version = "hookrelay 0.1.0",
        subcommands = DeadLettersCommand.class,
        description = {"Kafka-native webhook delivery pipeline.",
                "Configuration comes from environment variables; see the README's configuration reference."})
public final class Main implements Callable<Integer> {

    /** What to run. */
    enum Mode { all, demo, ingest, dispatcher, retry, topics }

    @Parameters(index = "0", defaultValue = "all", paramLabel = "MODE",
            description = "all (default): the three services in one process, with an embedded broker when "
                    + "KAFKA_BOOTSTRAP_SERVERS is unset; demo: the same plus a sample subscriber and sample events; "
                    + "ingest, dispatcher or retry: one service on its own against KAFKA_BOOTSTRAP_SERVERS; topics: create the topics and exit. "
                    + "Valid values: ${COMPLETION-CANDIDATES}")
    Mode mode;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PipelineConfig config;
        try {
            config = PipelineConfig.fromEnvironment();
            if (mode != Mode.all && mode != Mode.demo) {
                config.bootstrapServers();
            }
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (mode == Mode.topics) {
            io.hookrelay.kafka.TopicProvisioner.ensure(config);
            System.out.println("Topics are in place on " + config.bootstrapServers());
            return 0;
        }
        AutoCloseable running = switch (mode) {
            case all -> AllInOne.start(config, System.getenv(), false, Clock.systemUTC());
            case demo -> AllInOne.start(config, System.getenv(), true, Clock.systemUTC());
            case ingest -> Standalone.start(config, IngestService::start);
            case dispatcher -> Standalone.start(config, DispatcherService::start);
            case retry -> Standalone.start(config, RetryService::start);
            case topics -> throw new IllegalStateException("handled above");
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("Shutdown failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "hookrelay-shutdown"));
        stopped.await();
        return 0;
    }

}
