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
import java.util.stream.Collectors;

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

    /** Issue 12's targets, each against the scenarios of this run that it names; a target whose scenarios did not run is left out. */
    static List<Target> targets(List<ScenarioResult> results) {
        List<Target> t = new ArrayList<>();
        Optional<ScenarioResult> s0 = find(results, "S0");
        Optional<ScenarioResult> s2 = find(results, "S2");
        for (String name : List.of("S1h", "S1")) {
            find(results, name).ifPresent(r -> {
                s0.ifPresent(p -> t.add(atLeast(name, "≥ 1.5 × S0 (the plain consumer)",
                        r.deliveriesPerSecond() / Math.max(1e-9, p.deliveriesPerSecond()), 1.5, "× S0")));
                t.add(atLeast(name, "≥ 12,000 deliveries/s", r.deliveriesPerSecond(), 12_000, "/s"));
            });
        }
        find(results, "S2h").ifPresent(r -> t.add(atLeast("S2h", "≥ 5,000 deliveries/s", r.deliveriesPerSecond(), 5_000, "/s")));
        s2.ifPresent(r -> t.add(atLeast("S2", "≥ 8,000 deliveries/s", r.deliveriesPerSecond(), 8_000, "/s")));
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
        find(results, "S5").ifPresent(r -> t.add(atMost("S5", "p99 ≤ 50 ms", r.p99Ms(), 50, " ms")));
        for (ScenarioResult r : results) {
            if (r.costs() != null && !r.name().equals("S0")) {
                t.add(atMost(r.name(), "Kafka writes ≤ 3 records per delivery beyond the input", r.costs().recordsPerDelivery(), 3, " records"));
                t.add(atMost(r.name(), "Kafka writes ≤ 1.5 KB per delivery beyond the input", r.costs().bytesPerDelivery(), 1_536, " B"));
            }
        }
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

    /** The topics that took most bytes per delivery, at most six, as "topic 123". */
    private static String topTopics(Map<String, Double> byTopic) {
        StringBuilder b = new StringBuilder();
        byTopic.entrySet().stream().limit(6).forEach(e ->
                b.append(b.length() == 0 ? "" : ", ").append('`').append(e.getKey()).append("` ").append(String.format("%,.0f", e.getValue())));
        return b.toString();
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
        b.append("| scenario | subscriptions | delivered / expected | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms | duplicates | losses | peak heap MB | peak RSS MB |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : scenarios) {
            b.append(String.format("| %s | %d | %d / %d | %,.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %.0f | %.0f |%n", r.name(),
                    r.subscriptions(), r.delivered(), r.expected(), r.deliveriesPerSecond(), r.p50Ms(), r.p99Ms(), r.p999Ms(),
                    r.maxMs(), r.duplicates(), r.losses(), r.peakHeapMb(), r.peakRssMb()));
        }
        b.append("\nHeap and RSS are the pipeline JVM's (in the split layout, the dispatcher's; S0: the plain consumer's RSS; it reports no heap); on the ceiling row,"
                + " the benchmark JVM's (it is the HTTP client there).\n\n");
        b.append("## Cost per delivery\n\n");
        b.append("CPU from /proc (user + system) from the first event produced to the last delivery; Kafka writes from the broker's"
                + " end offsets (transaction markers included) and log sizes, every topic but the input `events.conversion`.\n\n");
        b.append("| scenario | CPU ms: broker | CPU ms: pipeline or consumer | CPU ms: receiver | Kafka records | Kafka bytes | bytes by topic |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : scenarios) {
            if (r.costs() == null) {
                continue;
            }
            Map<String, Double> cpu = r.costs().cpuMsPerDelivery();
            b.append(String.format("| %s | %.3f | %s | %.3f | %.2f | %,.0f | %s |%n", r.name(), cpu.getOrDefault("broker", 0.0),
                    deliveringCpu(cpu), cpu.getOrDefault("receiver", 0.0), r.costs().recordsPerDelivery(),
                    r.costs().bytesPerDelivery(), topTopics(r.costs().bytesPerDeliveryByTopic())));
        }
        b.append('\n');
        for (ScenarioResult r : scenarios) {
            b.append("- **").append(r.name()).append("**: ").append(r.description());
            if (!r.extra().isEmpty()) {
                b.append(". ").append(r.extra());
            }
            b.append('\n');
        }
        b.append("\n## Targets (issue 12)\n\n| scenario | target | measured | met | margin |\n|---|---|---|---|---|\n");
        for (Target t : targets) {
            b.append("| ").append(t.scenario()).append(" | ").append(t.target()).append(" | ").append(t.measured())
                    .append(" | ").append(t.met() ? "yes" : "**no**").append(" | ").append(t.margin()).append(" |\n");
        }
        if (targets.isEmpty()) {
            b.append("| - | no target applies to the scenarios run | | | |\n");
        }
        return b.toString();
    }

    /**
     * CPU ms per delivery of what delivers: the pipeline's JVMs together (each in brackets when
     * there are several, as in the split layout), or the plain consumer's.
     */
    static String deliveringCpu(Map<String, Double> cpu) {
        Map<String, Double> own = new LinkedHashMap<>(cpu);
        own.remove("broker");
        own.remove("receiver");
        double total = own.values().stream().mapToDouble(Double::doubleValue).sum();
        if (own.size() <= 1) {
            return String.format("%.3f", total);
        }
        return String.format("%.3f (%s)", total, own.entrySet().stream()
                .map(e -> String.format("%s %.3f", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
    }
}
