package io.hookrelay.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * S0, S1, S1h, S3 and S4 at a few hundred deliveries through the same code as the on-demand
 * benchmark: counts, zero losses, isolation, the costs per delivery and the report files. Never
 * wall-clock speed.
 */
class BenchmarkScenariosTest {

    @TempDir
    static Path out;
    static Report report;

    @BeforeAll
    static void runSmallBenchmark() throws Exception {
        Benchmark b = new Benchmark();
        new CommandLine(b).parseArgs("--scenarios", "S0,S1,S1h,S3,S4",
                "--s1-subscriptions", "10", "--s1-deliveries", "300",
                "--s2-subscriptions", "20", "--s2-deliveries", "300",
                "--s4-subscriptions", "10", "--s4-deliveries", "300",
                "--http-timeout", "2s", "--retry-schedule", "1s,2s,4s", "--partitions", "2",
                "--stall-seconds", "30", "--warmup-events", "50", "--out", out.toString());
        report = b.run();
    }

    private static ScenarioResult scenario(String name) {
        return report.scenarios().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void fastReceiverGetsEveryDeliveryOnceWithNothingLost() {
        ScenarioResult s1 = scenario("S1");
        assertThat(s1.expected()).isEqualTo(300);
        assertThat(s1.delivered()).isEqualTo(300);
        assertThat(s1.losses()).isZero();
        assertThat(s1.duplicates()).isZero();
        assertThat(s1.p50Ms()).isLessThanOrEqualTo(s1.p99Ms());
        assertThat(s1.p99Ms()).isLessThanOrEqualTo(s1.p999Ms());
        // Read from the pipeline's own JVM: its /metrics and /proc.
        assertThat(s1.peakHeapMb()).isPositive();
        assertThat(s1.peakRssMb()).isPositive();
    }

    @Test
    void costsPerDeliveryCountEveryProcessAndEveryTopicButTheInput() {
        Scenarios.Costs costs = scenario("S1").costs();
        assertThat(costs.cpuMsPerDelivery()).containsOnlyKeys("broker", "pipeline", "receiver");
        assertThat(costs.cpuMsPerDelivery().values()).allMatch(ms -> ms > 0);
        // At least the attempt record of each delivery, and never the events themselves.
        assertThat(costs.recordsPerDelivery()).isGreaterThanOrEqualTo(1.0);
        assertThat(costs.bytesPerDeliveryByTopic()).containsKey("webhooks.attempts").doesNotContainKey("events.conversion");
    }

    @Test
    void plainConsumerPeerDeliversTheSameEventsToTheSameReceiver() {
        ScenarioResult s0 = scenario("S0");
        assertThat(s0.delivered()).isEqualTo(300);
        assertThat(s0.losses()).isZero();
        assertThat(s0.costs().cpuMsPerDelivery()).containsKeys("broker", "plain consumer", "receiver");
        // It writes nothing but its offset commits.
        assertThat(s0.costs().bytesPerDeliveryByTopic()).containsOnlyKeys("__consumer_offsets");
    }

    @Test
    void oneHostLayoutDeliversEverythingOnce() {
        ScenarioResult s1h = scenario("S1h");
        assertThat(s1h.delivered()).isEqualTo(300);
        assertThat(s1h.losses()).isZero();
        assertThat(s1h.duplicates()).isZero();
    }

    @Test
    void hangingEndpointsDoNotHoldBackHealthyOnes() {
        ScenarioResult s3 = scenario("S3");
        // 20 healthy subscriptions get S2's 300 deliveries; 2 hanging ones get 30 on top.
        assertThat(s3.expected()).isEqualTo(300);
        assertThat(s3.delivered()).isEqualTo(300);
        assertThat(s3.losses()).isZero();
        long hangingDeliveries = ((Number) s3.extra().get("hanging_deliveries")).longValue();
        assertThat(hangingDeliveries).isEqualTo(30);
        // The hanging endpoints were really called ...
        assertThat(((Number) s3.extra().get("hanging_requests_received")).longValue()).isPositive();
        // ... and at the moment every healthy delivery had arrived, their timeouts had not all fired yet.
        assertThat(((Number) s3.extra().get("hanging_attempts_concluded_when_healthy_done")).longValue())
                .isLessThan(hangingDeliveries);
    }

    @Test
    void failedFirstAttemptsAreRetriedUntilEverythingArrives() {
        ScenarioResult s4 = scenario("S4");
        assertThat(s4.expected()).isEqualTo(300);
        assertThat(s4.delivered()).isEqualTo(300);
        assertThat(s4.losses()).isZero();
        assertThat(s4.duplicates()).isZero();
        // About 20% of 300 first attempts answered 503, each retried at least once.
        assertThat(((Number) s4.extra().get("retried_attempts")).longValue()).isBetween(20L, 120L);
        assertThat(s4.extra()).containsKey("retry_lateness_p99_ms");
    }

    @Test
    void reportIsWrittenAsMarkdownAndParsableJson() throws Exception {
        JsonNode json = Json.MAPPER.readTree(Files.readString(out.resolve("report.json")));
        assertThat(json.get("machine").get("cores").asInt()).isPositive();
        assertThat(json.get("scenarios")).hasSize(5);
        assertThat(json.get("scenarios").get(0).get("deliveries_per_second").asDouble()).isPositive();
        assertThat(json.get("targets").isArray()).isTrue();
        String md = Files.readString(out.resolve("report.md"));
        assertThat(md).contains("## Machine", "| S1 |", "| S3 |", "| S4 |", "## Cost per delivery", "## Targets (issue 12)", "zero losses", "× S0");
    }
}
