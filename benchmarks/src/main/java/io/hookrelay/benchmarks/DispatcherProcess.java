package io.hookrelay.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.launcher.Main;

/**
 * The dispatcher as it ships ({@code hookrelay.jar dispatcher}) in its own JVM with the heap the
 * issue's targets name, so that its heap and RSS are its own and not the broker's or the
 * benchmark's. Heap is read from its Prometheus {@code /metrics}, RSS from {@code /proc}.
 */
final class DispatcherProcess implements AutoCloseable {

    static final String HEAP = "-Xmx256m";

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private double peakHeapMb;
    private double peakRssMb;

    private DispatcherProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts it with {@code env} (the pipeline's settings) and waits until its {@code /health} is UP. */
    static DispatcherProcess start(Map<String, String> env, List<String> jvmOptions, Path logFile) {
        int port = EmbeddedKafka.freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "dispatcher"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("DISPATCHER_HTTP_PORT", Integer.toString(port));
        DispatcherProcess d;
        try {
            d = new DispatcherProcess(pb.start(), port);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the dispatcher JVM", e);
        }
        d.awaitHealthy(logFile);
        return d;
    }

    private void awaitHealthy(Path logFile) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The dispatcher JVM exited with " + process.exitValue() + "; see " + logFile);
            }
            HttpResponse<String> health = get("/health");
            if (health != null && health.statusCode() == 200) {
                return;
            }
            sleep(200);
        }
        throw new IllegalStateException("The dispatcher JVM did not report healthy within 120 s; see " + logFile);
    }

    /** Takes one heap and RSS reading; the peaks are kept. */
    void sample() {
        HttpResponse<String> metrics = get("/metrics");
        if (metrics != null && metrics.statusCode() == 200) {
            peakHeapMb = Math.max(peakHeapMb, Scenarios.round(heapBytes(metrics.body()) / 1048576.0));
        }
        peakRssMb = Math.max(peakRssMb, Scenarios.Sampler.rssMb(process.pid()));
    }

    double peakHeapMb() {
        return peakHeapMb;
    }

    double peakRssMb() {
        return peakRssMb;
    }

    /** The sum of {@code jvm_memory_used_bytes{area="heap"}} over the heap's pools. */
    static double heapBytes(String prometheusText) {
        double sum = 0;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The answer, or null when the dispatcher cannot be reached (yet). */
    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM (the dispatcher drains and commits), then a forced stop if it takes too long. */
    @Override
    public void close() {
        ReceiverProcess.stop(process, 30);
    }
}
