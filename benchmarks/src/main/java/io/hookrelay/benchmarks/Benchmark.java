package io.hookrelay.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.hookrelay.benchmarks.Scenarios.Endpoint;
import io.hookrelay.benchmarks.Scenarios.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The on-demand benchmark: runs the chosen scenarios against the pipeline as it ships (a fresh
 * embedded broker and the three services in this JVM per scenario) and a receiver in a child JVM,
 * then writes {@code report.md} and {@code report.json} to {@code --out}.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Measures Hookrelay's deliveries/s, end-to-end latency, duplicates, losses and memory, and writes a report.")
public final class Benchmark implements Callable<Integer> {

    static final List<String> ALL = List.of("S0", "S1", "S1h", "S2", "S2h", "S3", "S4", "S5", "ceiling");

    @Option(names = "--scenarios", split = ",", description = "Scenarios to run, in order (default: ${DEFAULT-VALUE}).",
            defaultValue = "S0,S1,S1h,S2,S2h,S3,S4,S5,ceiling")
    List<String> scenarios;

    @Option(names = "--out", description = "Directory for report.md and report.json (default: ${DEFAULT-VALUE}).",
            defaultValue = "docs/benchmarks")
    Path out;

    @Option(names = "--s1-subscriptions", defaultValue = "100", description = "S1 subscriptions (default: ${DEFAULT-VALUE}).")
    int s1Subscriptions;
    @Option(names = "--s1-deliveries", defaultValue = "200000", description = "S1 deliveries (default: ${DEFAULT-VALUE}).")
    int s1Deliveries;
    @Option(names = "--s2h-deliveries", defaultValue = "50000",
            description = "S2h deliveries (S1's subscriptions on one host:port, S2's 50 ms receiver; default: ${DEFAULT-VALUE}).")
    int s2hDeliveries;
    @Option(names = "--s2-subscriptions", defaultValue = "1000", description = "S2 subscriptions, also S3's healthy ones (default: ${DEFAULT-VALUE}).")
    int s2Subscriptions;
    @Option(names = "--s2-deliveries", defaultValue = "100000", description = "S2 deliveries, also S3's healthy ones (default: ${DEFAULT-VALUE}).")
    int s2Deliveries;
    @Option(names = "--s3-hanging-share", defaultValue = "0.1",
            description = "S3 hanging subscriptions added, as a share of S2's (default: ${DEFAULT-VALUE}).")
    double s3HangingShare;
    @Option(names = "--s4-subscriptions", defaultValue = "100", description = "S4 subscriptions (default: ${DEFAULT-VALUE}).")
    int s4Subscriptions;
    @Option(names = "--s4-deliveries", defaultValue = "20000", description = "S4 deliveries (default: ${DEFAULT-VALUE}).")
    int s4Deliveries;
    @Option(names = "--s4-failure-share", defaultValue = "0.2", description = "S4 share of first attempts answered 503 (default: ${DEFAULT-VALUE}).")
    double s4FailureShare;
    @Option(names = "--s5-subscriptions", defaultValue = "100", description = "S5 subscriptions (default: ${DEFAULT-VALUE}).")
    int s5Subscriptions;
    @Option(names = "--s5-rate", defaultValue = "1000", description = "S5 events per second (default: ${DEFAULT-VALUE}).")
    int s5Rate;
    @Option(names = "--s5-seconds", defaultValue = "60", description = "S5 duration in seconds (default: ${DEFAULT-VALUE}).")
    int s5Seconds;
    @Option(names = "--ceiling-requests", defaultValue = "200000", description = "Ceiling POSTs (default: ${DEFAULT-VALUE}).")
    int ceilingRequests;
    @Option(names = "--ceiling-in-flight", defaultValue = "256", description = "Ceiling POSTs in flight (default: ${DEFAULT-VALUE}).")
    int ceilingInFlight;
    @Option(names = "--retry-schedule", defaultValue = "1s,2s,4s", description = "WEBHOOKS_RETRY_SCHEDULE for every scenario (default: ${DEFAULT-VALUE}).")
    String retrySchedule;
    @Option(names = "--http-timeout", defaultValue = "15s", description = "WEBHOOKS_HTTP_TIMEOUT for every scenario (default: ${DEFAULT-VALUE}).")
    String httpTimeout;
    @Option(names = "--partitions", defaultValue = "6", description = "WEBHOOKS_PARTITIONS (default: ${DEFAULT-VALUE}).")
    int partitions;
    @Option(names = "--warmup-events", defaultValue = "20000", description = "Events delivered before each scenario"
            + " is measured, so the JVMs run compiled code (default: ${DEFAULT-VALUE}).")
    int warmupEvents;
    @Option(names = "--pipeline-jvm-option", description = "An extra option for the pipeline's JVM, repeatable;"
            + " for example -XX:StartFlightRecording=filename=pipeline.jfr,settings=profile to profile it.")
    List<String> pipelineJvmOptions = new ArrayList<>();
    @Option(names = "--layout", defaultValue = "all", description = "all: hookrelay.jar all, one JVM at -Xmx512m;"
            + " split: ingest, dispatcher and retry each in its own JVM at -Xmx256m, the dispatcher's heap target"
            + " (default: ${DEFAULT-VALUE}).")
    PipelineLayout layout = PipelineLayout.all;
    @Option(names = "--stall-seconds", defaultValue = "60",
            description = "A scenario ends when no delivery arrived for this long; the rest count as lost (default: ${DEFAULT-VALUE}).")
    int stallSeconds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Benchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Report report = run();
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("Report written to " + out.toAbsolutePath());
        return 0;
    }

    /** Runs the scenarios and writes the report; the tests call this with small sizes. */
    Report run() throws Exception {
        for (String s : scenarios) {
            if (!ALL.contains(s)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "Invalid value " + s + " for option --scenarios: expected some of " + ALL);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("WEBHOOKS_RETRY_SCHEDULE", retrySchedule);
        env.put("WEBHOOKS_HTTP_TIMEOUT", httpTimeout);
        env.put("WEBHOOKS_PARTITIONS", Integer.toString(partitions));
        List<ScenarioResult> results = new ArrayList<>();
        try (ReceiverProcess receiver = ReceiverProcess.start(s4FailureShare)) {
            Scenarios runner = new Scenarios(receiver, env, layout, pipelineJvmOptions, warmupEvents, Duration.ofSeconds(stallSeconds));
            for (String s : scenarios) {
                results.add(s.equals("ceiling") ? Ceiling.run(receiver, ceilingRequests, ceilingInFlight) : runner.run(spec(s)));
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>(env);
        settings.put("scenarios", scenarios);
        settings.put("warmup_events", warmupEvents + " per scenario, before measuring, to subscriptions that answer");
        settings.put("pipeline", "fresh per scenario: a broker process (kafka.Kafka, -Xmx512m) and " + layout.describe()
                + ", with the pipeline's defaults beyond the settings above");
        settings.put("plain_consumer", "S0: one KafkaConsumer, a blocking HttpClient 5 classic POST per record, commitSync per poll,"
                + " in its own JVM (-Xmx512m) against its own fresh broker process");
        if (!pipelineJvmOptions.isEmpty()) {
            settings.put("pipeline_jvm_options", pipelineJvmOptions);
        }
        settings.put("events", "canonical JSON produced to events.conversion (content-type: application/json), through ingest Streams");
        settings.put("receiver", "BenchReceiver, JDK HttpServer in a child JVM (-Xmx512m)");
        Report report = Report.of(settings, results);
        report.write(out);
        return report;
    }

    Spec spec(String name) {
        return switch (name) {
            case "S0" -> new Spec("S0", "plain consumer, the peer: S1's events, one poll loop posting each record, 204 at once",
                    endpoints(Endpoint.FAST, s1Subscriptions), s1Deliveries, 0, true, true);
            case "S1" -> new Spec("S1", "fast receiver: 204 at once", endpoints(Endpoint.FAST, s1Subscriptions), s1Deliveries, 0);
            case "S1h" -> new Spec("S1h", "S1 with every subscription on one host:port", endpoints(Endpoint.FAST, s1Subscriptions),
                    s1Deliveries, 0, true, false);
            case "S2h" -> new Spec("S2h", "each response after 50 ms, " + s1Subscriptions + " subscriptions on one host:port",
                    endpoints(Endpoint.SLOW, s1Subscriptions), s2hDeliveries, 0, true, false);
            case "S2" -> new Spec("S2", "realistic receiver: each response after 50 ms",
                    endpoints(Endpoint.SLOW, s2Subscriptions), s2Deliveries, 0);
            case "S3" -> {
                int hanging = (int) Math.max(1, Math.round(s2Subscriptions * s3HangingShare));
                List<Endpoint> e = new ArrayList<>(endpoints(Endpoint.SLOW, s2Subscriptions));
                e.addAll(endpoints(Endpoint.HANG, hanging));
                // Round-robin over all subscriptions: the healthy ones get S2's deliveries, the hanging ones their share on top.
                int events = (int) ((long) s2Deliveries * e.size() / s2Subscriptions);
                yield new Spec("S3", "isolation: S2 plus " + hanging + " subscriptions that accept and never answer (timeout "
                        + httpTimeout + ")", e, events, 0);
            }
            case "S4" -> new Spec("S4", "failures: " + Math.round(s4FailureShare * 100) + "% of first attempts answered 503, retry schedule "
                    + retrySchedule, endpoints(Endpoint.FLAKY, s4Subscriptions), s4Deliveries, 0);
            case "S5" -> new Spec("S5", "live latency: " + s5Rate + " events/s for " + s5Seconds + " s, 204 at once",
                    endpoints(Endpoint.FAST, s5Subscriptions), s5Rate * s5Seconds, s5Rate);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static List<Endpoint> endpoints(Endpoint e, int n) {
        return Collections.nCopies(n, e);
    }
}
