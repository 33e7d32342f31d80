package io.hookrelay.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of named processes from {@code /proc/<pid>/stat} (user plus system, in clock ticks of
 * 1/100 s, Linux's USER_HZ), taken at the start and the end of a scenario's measured part, so the
 * report can say how much CPU each process spent per delivery. Off Linux every reading is 0.
 */
final class ProcessCpu {

    /** Linux reports utime and stime in USER_HZ, which is 100 on every architecture the kernel ships. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final Map<String, Long> pids;
    private final Map<String, Double> startSeconds = new LinkedHashMap<>();

    /** @param pids process name (broker, pipeline, receiver, ...) to pid, in report order */
    ProcessCpu(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
        pids.forEach((name, pid) -> startSeconds.put(name, cpuSeconds(pid)));
    }

    /** Milliseconds of CPU each process spent since this was created, per one of {@code deliveries}. */
    Map<String, Double> msPerDelivery(long deliveries) {
        Map<String, Double> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> out.put(name,
                Scenarios.round3((cpuSeconds(pid) - startSeconds.get(name)) * 1000.0 / Math.max(1, deliveries))));
        return out;
    }

    /** utime + stime of {@code pid} in seconds; fields 14 and 15 of /proc/pid/stat, counted after the ")" that ends the name. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
