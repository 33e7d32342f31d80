package io.hookrelay.dispatcher.status.store;

/**
 * Fixed latency histogram buckets (ms), so a subscription's latency over a day is a handful of
 * counters, never a list of samples. Percentiles are reported as the upper bound of the bucket they
 * fall in: "p99 ≤ 250 ms".
 */
final class LatencyBuckets {

    /** Upper bounds (ms, inclusive). A last, open bucket holds everything above the largest. */
    static final long[] UPPER_MS = {5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 30_000, 60_000};
    static final int COUNT = UPPER_MS.length + 1;

    private LatencyBuckets() {
    }

    static int index(long latencyMs) {
        for (int i = 0; i < UPPER_MS.length; i++) {
            if (latencyMs <= UPPER_MS[i]) {
                return i;
            }
        }
        return UPPER_MS.length;
    }

    /**
     * The bucket bound under which a fraction {@code q} of the counted latencies fall; null when
     * nothing was counted. The open bucket reports the largest bound: read 60000 as "60 s or more".
     */
    static Long percentile(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return UPPER_MS[Math.min(i, UPPER_MS.length - 1)];
            }
        }
        return UPPER_MS[UPPER_MS.length - 1];
    }
}
