package io.hookrelay.benchmarks;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One scenario's figures. Deliveries, latency and throughput count only the subscriptions that can
 * succeed (in S3 the hanging ones are reported in {@code extra}); throughput is successful
 * deliveries over the time from the first event produced to the last delivery received.
 */
record ScenarioResult(
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("subscriptions") int subscriptions,
        @JsonProperty("expected_deliveries") long expected,
        @JsonProperty("delivered") long delivered,
        @JsonProperty("duplicates") long duplicates,
        @JsonProperty("losses") long losses,
        @JsonProperty("deliveries_per_second") double deliveriesPerSecond,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("latency_p50_ms") double p50Ms,
        @JsonProperty("latency_p99_ms") double p99Ms,
        @JsonProperty("latency_p999_ms") double p999Ms,
        @JsonProperty("latency_max_ms") double maxMs,
        @JsonProperty("peak_heap_mb") double peakHeapMb,
        @JsonProperty("peak_rss_mb") double peakRssMb,
        @JsonProperty("costs") Scenarios.Costs costs,
        @JsonProperty("extra") Map<String, Object> extra) {

    String oneLine() {
        return String.format("%s: %d/%d delivered, %.1f/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, %d duplicates, %d lost, heap %.0f MB, RSS %.0f MB %s",
                name, delivered, expected, deliveriesPerSecond, p50Ms, p99Ms, p999Ms, duplicates, losses, peakHeapMb, peakRssMb,
                extra.isEmpty() ? "" : extra);
    }
}
