package io.hookrelay.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The split layout: ingest, dispatcher and retry each in its own JVM, the dispatcher within its 256 MB heap target. */
class SplitLayoutTest {

    @TempDir
    Path out;

    @Test
    void threeServiceJvmsDeliverEverythingOnceAndEachIsCosted() throws Exception {
        Benchmark b = new Benchmark();
        new CommandLine(b).parseArgs("--layout", "split", "--scenarios", "S1",
                "--s1-subscriptions", "10", "--s1-deliveries", "300", "--partitions", "2",
                "--stall-seconds", "30", "--warmup-events", "50", "--out", out.toString());
        Report report = b.run();

        ScenarioResult s1 = report.scenarios().get(0);
        assertThat(s1.delivered()).isEqualTo(300);
        assertThat(s1.losses()).isZero();
        assertThat(s1.duplicates()).isZero();
        Map<String, Double> cpu = s1.costs().cpuMsPerDelivery();
        assertThat(cpu).containsOnlyKeys("broker", "ingest", "dispatcher", "retry", "receiver");
        assertThat(cpu.get("ingest")).isPositive();
        assertThat(cpu.get("dispatcher")).isPositive();
        // The dispatcher's own heap, read from its /metrics, inside the -Xmx256m it was given.
        assertThat(s1.peakHeapMb()).isPositive().isLessThanOrEqualTo(256);
        assertThat(report.settings().get("pipeline").toString()).contains("hookrelay.jar ingest, dispatcher and retry");
        assertThat(report.markdown()).contains("(ingest ").contains(", dispatcher ").contains(", retry ");
    }

    @Test
    void deliveringCpuIsTheSumOfThePipelinesJvmsWithEachInBrackets() {
        assertThat(Report.deliveringCpu(Map.of("broker", 0.2, "pipeline", 0.25, "receiver", 0.05))).isEqualTo("0.250");
        assertThat(Report.deliveringCpu(new LinkedHashMap<>(Map.of("broker", 0.2))))
                .isEqualTo("0.000");
        Map<String, Double> split = new LinkedHashMap<>();
        split.put("broker", 0.2);
        split.put("ingest", 0.1);
        split.put("dispatcher", 0.15);
        split.put("retry", 0.01);
        split.put("receiver", 0.05);
        assertThat(Report.deliveringCpu(split)).isEqualTo("0.260 (ingest 0.100, dispatcher 0.150, retry 0.010)");
    }
}
