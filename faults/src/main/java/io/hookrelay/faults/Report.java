package io.hookrelay.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hookrelay.contract.Json;

/** The fault suite's report: the machine, the settings, and each scenario's count; Markdown and JSON. */
record Report(
        @JsonProperty("generated_at") String generatedAt,
        @JsonProperty("machine") Map<String, Object> machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("scenarios") List<ScenarioResult> scenarios) {

    static Report of(Map<String, Object> settings, List<ScenarioResult> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        return new Report(Instant.now().toString(), m, settings, results);
    }

    @JsonProperty("passed")
    boolean passed() {
        return scenarios.stream().allMatch(ScenarioResult::passed);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"),
                Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this) + "\n");
        Files.writeString(dir.resolve("report.md"), markdown());
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# Hookrelay fault suite report\n\n");
        b.append("Generated ").append(generatedAt).append(" by `io.hookrelay.faults.FaultSuite`. Overall: ")
                .append(passed() ? "**passed**" : "**FAILED**").append(" (a scenario fails when an accepted event was lost,"
                        + " an event came under two webhook ids, a scenario check failed, or it could not run).\n\n");
        b.append("Accepted means a 202 named the event id or the broker acknowledged its record; delivered, that the subscriber"
                + " answered 2xx to it. Duplicates are 2xx deliveries beyond the first (at least once allows them under one"
                + " webhook id); drain is the last first delivery of an accepted event minus the end of the last fault.\n\n");
        b.append("## Machine\n\n");
        machine.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("\n## Settings\n\n");
        settings.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("\n## Scenarios\n\n");
        b.append("| scenario | faults | accepted | delivered | lost | duplicates | split ids | drain s after fault | run s | passed |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : scenarios) {
            b.append(String.format("| %s | %d | %,d | %,d | %s | %,d | %s | %.1f | %.0f | %s |%n", r.name(), r.faults(), r.accepted(),
                    r.delivered(), r.lost() == 0 ? "0" : "**" + r.lost() + "**", r.duplicates(),
                    r.splitIds() == 0 ? "0" : "**" + r.splitIds() + "**", r.drainSeconds(), r.seconds(),
                    r.passed() ? "yes" : "**no**"));
        }
        b.append('\n');
        for (ScenarioResult r : scenarios) {
            b.append("### ").append(r.name()).append("\n\n").append(r.description()).append(".\n\n");
            if (r.error() != null) {
                b.append("- **error**: ").append(r.error()).append('\n');
            }
            r.extra().forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
            if (!r.lostSample().isEmpty()) {
                b.append("- lost (first ").append(r.lostSample().size()).append("): ").append(r.lostSample()).append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }
}
