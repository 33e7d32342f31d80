package io.hookrelay.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hookrelay.contract.Json;

/** The benchmark's report: the machine, each scenario's figures, and the targets met or missed; Markdown and JSON. */
record Report(
        @JsonProperty("generated_at") String generatedAt,
        @JsonProperty("machine") Map<String, Object> machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("scenarios") List<ScenarioResult> scenarios,
        @JsonProperty("targets") List<Target> targets) {

    /** One target of the issue: what it asks, what was measured, and by how much it was met or missed. */
    record Target(@JsonProperty("scenario") String scenario, @JsonProperty("target") String target,
                  @JsonProperty("measured") String measured, @JsonProperty("met") boolean met,
                  @JsonProperty("margin") String margin) {
    }

    static Report of(Map<String, Object> settings, List<ScenarioResult> results) {
        return new Report(Instant.now().toString(), describeMachine(), settings, results, targets(results));
    }

    static Map<String, Object> describeMachine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_total_mb", memTotalMb());
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1048576);
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return m;
    }

    private static long memTotalMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: reported as 0.
        }
        return 0;
    }

    static List<Target> targets(List<ScenarioResult> results) {
        List<Target> t = new ArrayList<>();
        Optional<ScenarioResult> s1 = find(results, "S1");
        Optional<ScenarioResult> s2 = find(results, "S2");
        Optional<ScenarioResult> ceiling = find(results, "ceiling");
        s1.ifPresent(r -> t.add(atLeast("S1", "≥ 10,000 deliveries/s", r.deliveriesPerSecond(), 10_000, "/s")));
        s1.ifPresent(r -> ceiling.ifPresent(c -> t.add(atLeast("S1", "≥ 0.5 of the ceiling",
                r.deliveriesPerSecond() / Math.max(1e-9, c.deliveriesPerSecond()), 0.5, "× ceiling"))));
        s2.ifPresent(r -> t.add(atLeast("S2", "≥ 5,000 deliveries/s", r.deliveriesPerSecond(), 5_000, "/s")));
        find(results, "S3").ifPresent(r -> s2.ifPresent(b -> {
            t.add(atLeast("S3", "healthy throughput ≥ 0.9 × S2", r.deliveriesPerSecond() / Math.max(1e-9, b.deliveriesPerSecond()), 0.9, "× S2"));
            t.add(atMost("S3", "healthy p99 ≤ 1.5 × S2's p99", r.p99Ms() / Math.max(1e-9, b.p99Ms()), 1.5, "× S2"));
        }));
        find(results, "S4").ifPresent(r -> {
            t.add(atMost("S4", "zero losses", r.losses(), 0, " lost"));
            Object late = r.extra().get("retry_lateness_p99_ms");
            if (late instanceof Number n) {
                t.add(atMost("S4", "retry lateness p99 ≤ 1,000 ms", n.doubleValue(), 1_000, " ms"));
            }
        });
        find(results, "S5").ifPresent(r -> t.add(atMost("S5", "p99 ≤ 100 ms", r.p99Ms(), 100, " ms")));
        return t;
    }

    private static Optional<ScenarioResult> find(List<ScenarioResult> results, String name) {
        return results.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    private static Target atLeast(String scenario, String target, double measured, double limit, String unit) {
        boolean met = measured >= limit;
        return new Target(scenario, target, fmt(measured) + unit, met, margin(measured, limit, met, unit));
    }

    private static Target atMost(String scenario, String target, double measured, double limit, String unit) {
        boolean met = measured <= limit;
        return new Target(scenario, target, fmt(measured) + unit, met, margin(measured, limit, met, unit));
    }

    private static String margin(double measured, double limit, boolean met, String unit) {
        String by = fmt(Math.abs(measured - limit)) + unit;
        String pct = limit == 0 ? "" : String.format(" (%.0f%%)", Math.abs(measured - limit) / limit * 100);
        return (met ? "met by " : "missed by ") + by + pct;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? String.format("%,d", (long) v) : String.format("%,.2f", v);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"),
                Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this) + "\n");
        Files.writeString(dir.resolve("report.md"), markdown());
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# Hookrelay benchmark report\n\n");
        b.append("Generated ").append(generatedAt).append(" by `io.hookrelay.benchmarks.Benchmark` (see benchmarks/README.md).\n\n");
        b.append("## Machine\n\n");
        machine.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("\n## Settings\n\n");
        settings.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("\n## Scenarios\n\n");
        b.append("| scenario | subscriptions | delivered / expected | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms | duplicates | losses | dispatcher peak heap MB | dispatcher peak RSS MB |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : scenarios) {
            b.append(String.format("| %s | %d | %d / %d | %,.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %.0f | %.0f |%n", r.name(),
                    r.subscriptions(), r.delivered(), r.expected(), r.deliveriesPerSecond(), r.p50Ms(), r.p99Ms(), r.p999Ms(),
                    r.maxMs(), r.duplicates(), r.losses(), r.peakHeapMb(), r.peakRssMb()));
        }
        b.append("\nHeap and RSS are the dispatcher JVM's; on the ceiling row, the benchmark JVM's (it is the HTTP client there).\n\n");
        for (ScenarioResult r : scenarios) {
            b.append("- **").append(r.name()).append("**: ").append(r.description());
            if (!r.extra().isEmpty()) {
                b.append(". ").append(r.extra());
            }
            b.append('\n');
        }
        b.append("\n## Targets (issue 5)\n\n| scenario | target | measured | met | margin |\n|---|---|---|---|---|\n");
        for (Target t : targets) {
            b.append("| ").append(t.scenario()).append(" | ").append(t.target()).append(" | ").append(t.measured())
                    .append(" | ").append(t.met() ? "yes" : "**no**").append(" | ").append(t.margin()).append(" |\n");
        }
        if (targets.isEmpty()) {
            b.append("| - | no target applies to the scenarios run | | | |\n");
        }
        return b.toString();
    }
}
