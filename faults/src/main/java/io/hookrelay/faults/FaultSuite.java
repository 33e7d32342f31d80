package io.hookrelay.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fault suite: runs the chosen scenarios against the pipeline as it ships, in real processes
 * (a broker JVM, the services' JVMs, a TCP proxy, a subscriber and operators' traffic in this
 * JVM), writes {@code report.md}, {@code report.json} and every process's log under {@code --out},
 * and exits non-zero when any scenario lost an accepted event or split one over two webhook ids.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Kills, stops and stalls Hookrelay's broker and services under traffic and counts what subscribers get.")
public final class FaultSuite implements Callable<Integer> {

    static final List<String> ALL = List.of("F1", "F2", "F3", "F4", "F5", "F6");

    @Option(names = "--scenarios", split = ",", defaultValue = "F1,F2,F3,F4,F5,F6",
            description = "Scenarios to run, in order (default: ${DEFAULT-VALUE}).")
    List<String> scenarios;
    @Option(names = "--out", defaultValue = "docs/faults", description = "Directory for the report and logs (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--f1-rounds", defaultValue = "10", description = "F1 broker kills, one per round (default: ${DEFAULT-VALUE}).")
    int f1Rounds;
    @Option(names = "--f1-events", defaultValue = "2000", description = "F1 events per round (default: ${DEFAULT-VALUE}).")
    int f1Events;
    @Option(names = "--rate", defaultValue = "400", description = "Events per second offered in F1-F5 (default: ${DEFAULT-VALUE}).")
    int rate;
    @Option(names = "--broker-down-seconds", defaultValue = "5", description = "F1 time from kill to restart (default: ${DEFAULT-VALUE}).")
    int brokerDownSeconds;
    @Option(names = "--f2-outage-seconds", defaultValue = "60", description = "F2 broker outage (default: ${DEFAULT-VALUE}).")
    int f2OutageSeconds;
    @Option(names = "--f3-kills", defaultValue = "10", description = "F3 service kills, in turn (default: ${DEFAULT-VALUE}).")
    int f3Kills;
    @Option(names = "--f3-events-per-kill", defaultValue = "2000", description = "F3 events per kill (default: ${DEFAULT-VALUE}).")
    int f3EventsPerKill;
    @Option(names = "--f4-outage", defaultValue = "10m", description = "F4 subscriber outage under the default schedule (default: ${DEFAULT-VALUE}).")
    String f4Outage;
    @Option(names = "--f4-events", defaultValue = "1000", description = "F4 events, each half (default: ${DEFAULT-VALUE}).")
    int f4Events;
    @Option(names = "--f5-stall-seconds", defaultValue = "30", description = "F5 stall (default: ${DEFAULT-VALUE}).")
    int f5StallSeconds;
    @Option(names = "--f5-events", defaultValue = "20000", description = "F5 events (default: ${DEFAULT-VALUE}).")
    int f5Events;
    @Option(names = "--f6-events", defaultValue = "10000", description = "F6 healthy events per phase (default: ${DEFAULT-VALUE}).")
    int f6Events;
    @Option(names = "--f6-rate", defaultValue = "2000", description = "F6 events per second offered (default: ${DEFAULT-VALUE}).")
    int f6Rate;
    @Option(names = "--wait-seconds", defaultValue = "300",
            description = "How long a scenario waits for everything accepted to arrive (default: ${DEFAULT-VALUE}).")
    int waitSeconds;
    @Option(names = "--partitions", defaultValue = "3", description = "WEBHOOKS_PARTITIONS (default: ${DEFAULT-VALUE}).")
    int partitions;
    @Option(names = "--batch-size", defaultValue = "100", description = "Events per POST /v1/events, at most 500 (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--give-up-seconds", defaultValue = "300",
            description = "An HTTP batch unanswered 202 for this long counts as not accepted (default: ${DEFAULT-VALUE}).")
    int giveUpSeconds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FaultSuite()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Report report = run();
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("Report written to " + out.toAbsolutePath());
        return report.passed() ? 0 : 1;
    }

    /** Runs the scenarios and writes the report; the tests call this with small sizes. */
    Report run() throws Exception {
        for (String s : scenarios) {
            if (!ALL.contains(s)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "Invalid value " + s + " for option --scenarios: expected some of " + ALL);
            }
        }
        Duration outage = io.hookrelay.config.Durations.parse(f4Outage);
        Scenarios.Scale scale = new Scenarios.Scale(f1Rounds, f1Events, rate, f2OutageSeconds, f3Kills, f3EventsPerKill, outage,
                f4Events, f5StallSeconds, f5Events, f6Events, f6Rate, waitSeconds, partitions, batchSize, giveUpSeconds,
                brokerDownSeconds);
        Scenarios runner = new Scenarios(out, scale);
        List<ScenarioResult> results = new ArrayList<>();
        for (String s : scenarios) {
            switch (s) {
                case "F1" -> results.add(guard("F1", runner::f1));
                case "F2" -> results.add(guard("F2", runner::f2));
                case "F3" -> results.add(guard("F3", runner::f3));
                case "F4" -> {
                    results.add(guard("F4-exhausted", runner::f4Exhausted));
                    results.add(guard("F4-long-outage", runner::f4LongOutage));
                }
                case "F5" -> results.add(guard("F5", runner::f5));
                case "F6" -> results.add(guard("F6", runner::f6));
                default -> throw new IllegalArgumentException(s);
            }
            System.out.println("[faults] " + results.get(results.size() - 1).oneLine());
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("scenarios", scenarios);
        settings.put("scale", scale);
        settings.put("pipeline", "fresh per scenario: a broker JVM (kafka.Kafka, KRaft, one node) and hookrelay's own main"
                + " (all, or ingest/dispatcher/retry) in child JVMs, WEBHOOKS_PARTITIONS=" + partitions);
        settings.put("logs", out.resolve("logs").toString());
        Report report = Report.of(settings, results);
        report.write(out);
        return report;
    }

    /** A scenario that cannot run is reported as failed, with why, and the others still run. */
    private static ScenarioResult guard(String name, Callable<ScenarioResult> scenario) {
        try {
            return scenario.call();
        } catch (Exception | Error e) {
            e.printStackTrace();
            return ScenarioResult.failed(name, "could not run", e);
        }
    }
}
