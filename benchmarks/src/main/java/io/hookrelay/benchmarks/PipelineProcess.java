package io.hookrelay.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.kafka.embedded.Processes;
import io.hookrelay.launcher.Main;

/**
 * The pipeline as it ships ({@code hookrelay.jar all}: ingest, dispatcher and retry in one JVM)
 * against the benchmark's broker process, with the heap the targets name, so that its CPU,
 * heap and RSS are its own and not the broker's or the benchmark's. Heap is read from its
 * Prometheus {@code /metrics}, CPU and RSS from {@code /proc}.
 */
final class PipelineProcess implements SystemUnderTest {

    static final String HEAP = "-Xmx512m";

    private final Process process;
    private final int dispatcherPort;
    private final int ingestPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private double peakHeapMb;
    private double peakRssMb;

    private PipelineProcess(Process process, int dispatcherPort, int ingestPort) {
        this.process = process;
        this.dispatcherPort = dispatcherPort;
        this.ingestPort = ingestPort;
    }

    /** Starts it with {@code env} (the pipeline's settings, the broker's address among them) and waits until it is UP. */
    static PipelineProcess start(Map<String, String> env, List<String> jvmOptions, Path logFile) {
        int dispatcherPort = EmbeddedKafka.freePort();
        int ingestPort = EmbeddedKafka.freePort();
        Map<String, String> all = new HashMap<>(env);
        all.put("DISPATCHER_HTTP_PORT", Integer.toString(dispatcherPort));
        all.put("INGEST_HTTP_PORT", Integer.toString(ingestPort));
        all.put("RETRY_HTTP_PORT", Integer.toString(EmbeddedKafka.freePort()));
        List<String> options = new ArrayList<>(List.of(HEAP));
        options.addAll(jvmOptions);
        PipelineProcess p = new PipelineProcess(
                Processes.startJvm(Main.class.getName(), options, List.of("all"), all, logFile), dispatcherPort, ingestPort);
        p.awaitHealthy(logFile);
        return p;
    }

    String ingestUrl() {
        return "http://127.0.0.1:" + ingestPort;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    private void awaitHealthy(Path logFile) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The pipeline JVM exited with " + process.exitValue() + "; see " + logFile);
            }
            HttpResponse<String> dispatcher = get(dispatcherPort, "/health");
            HttpResponse<String> ingest = get(ingestPort, "/health");
            if (dispatcher != null && dispatcher.statusCode() == 200 && ingest != null && ingest.statusCode() == 200) {
                return;
            }
            Processes.sleep(200);
        }
        throw new IllegalStateException("The pipeline JVM did not report healthy within 120 s; see " + logFile);
    }

    @Override
    public void sample() {
        HttpResponse<String> metrics = get(dispatcherPort, "/metrics");
        if (metrics != null && metrics.statusCode() == 200) {
            peakHeapMb = Math.max(peakHeapMb, Scenarios.round(heapBytes(metrics.body()) / 1048576.0));
        }
        peakRssMb = Math.max(peakRssMb, Scenarios.Sampler.rssMb(process.pid()));
    }

    @Override
    public double peakHeapMb() {
        return peakHeapMb;
    }

    @Override
    public double peakRssMb() {
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

    /** The answer, or null when the pipeline cannot be reached (yet). */
    private HttpResponse<String> get(int port, String path) {
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

    /** SIGTERM (the services drain and commit), then a forced stop if it takes too long. */
    @Override
    public void close() {
        Processes.stop(process, 30);
    }
}
