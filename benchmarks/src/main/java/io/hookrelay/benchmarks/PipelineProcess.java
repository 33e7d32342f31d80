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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.kafka.embedded.Processes;
import io.hookrelay.launcher.Main;

/**
 * The pipeline against the benchmark's broker process, in its own JVM or JVMs ({@link PipelineLayout}),
 * with the heap the targets name, so that its CPU, heap and RSS are its own and not the
 * broker's or the benchmark's. Heap is read from the dispatcher's Prometheus {@code /metrics}, CPU
 * and RSS from {@code /proc}.
 */
final class PipelineProcess implements SystemUnderTest {

    /** One JVM: its launcher mode, the process, and the HTTP port its {@code /health} answers on. */
    private record Jvm(String mode, Process process, int port) {
    }

    private final List<Jvm> jvms;
    private final int dispatcherPort;
    private final int ingestPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private double peakHeapMb;
    private double peakRssMb;

    private PipelineProcess(List<Jvm> jvms, int dispatcherPort, int ingestPort) {
        this.jvms = jvms;
        this.dispatcherPort = dispatcherPort;
        this.ingestPort = ingestPort;
    }

    /**
     * Starts it with {@code env} (the pipeline's settings, the broker's address among them) and
     * waits until every JVM is UP. In the split layout each JVM gets its own data directory under
     * {@code dataDir} and its own log beside {@code logFile}.
     */
    static PipelineProcess start(Map<String, String> env, PipelineLayout layout, List<String> jvmOptions, Path dataDir,
                                 Path logFile) {
        int dispatcherPort = EmbeddedKafka.freePort();
        int ingestPort = EmbeddedKafka.freePort();
        int retryPort = EmbeddedKafka.freePort();
        Map<String, String> all = new HashMap<>(env);
        all.put("DISPATCHER_HTTP_PORT", Integer.toString(dispatcherPort));
        all.put("INGEST_HTTP_PORT", Integer.toString(ingestPort));
        all.put("RETRY_HTTP_PORT", Integer.toString(retryPort));
        List<String> options = new ArrayList<>(List.of(layout.heap));
        options.addAll(jvmOptions);
        List<Jvm> jvms = new ArrayList<>();
        PipelineProcess p = new PipelineProcess(jvms, dispatcherPort, ingestPort);
        boolean alone = layout.modes.size() == 1;
        try {
            for (String mode : layout.modes) {
                Map<String, String> own = new HashMap<>(all);
                own.put(PipelineConfig.DATA_DIR.name(), (alone ? dataDir : dataDir.resolve(mode)).toString());
                Path log = alone ? logFile : logFile.resolveSibling(mode + "-" + logFile.getFileName());
                int port = switch (mode) {
                    case "ingest" -> ingestPort;
                    case "retry" -> retryPort;
                    default -> dispatcherPort;
                };
                jvms.add(new Jvm(mode, Processes.startJvm(Main.class.getName(), options, List.of(mode), own, log), port));
            }
            p.awaitHealthy(logFile);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    String ingestUrl() {
        return "http://127.0.0.1:" + ingestPort;
    }

    /** The dispatcher's JVM (the all-in-one's, in that layout). */
    @Override
    public long pid() {
        return dispatcher().process().pid();
    }

    /** Each JVM by its launcher mode ({@code pipeline} for the all-in-one), for CPU per process. */
    @Override
    public Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Jvm j : jvms) {
            pids.put(j.mode().equals("all") ? "pipeline" : j.mode(), j.process().pid());
        }
        return pids;
    }

    private Jvm dispatcher() {
        return jvms.stream().filter(j -> j.mode().equals("all") || j.mode().equals("dispatcher")).findFirst()
                .orElseThrow();
    }

    private void awaitHealthy(Path logFile) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            for (Jvm j : jvms) {
                if (!j.process().isAlive()) {
                    throw new IllegalStateException("The pipeline's " + j.mode() + " JVM exited with "
                            + j.process().exitValue() + "; see the logs beside " + logFile);
                }
            }
            if (healthPorts().stream().allMatch(port -> {
                HttpResponse<String> health = get(port, "/health");
                return health != null && health.statusCode() == 200;
            })) {
                return;
            }
            Processes.sleep(200);
        }
        throw new IllegalStateException("The pipeline did not report healthy within 120 s; see the logs beside " + logFile);
    }

    /** Each JVM's HTTP port, and the ingest port, on which the all-in-one answers too. */
    private Set<Integer> healthPorts() {
        Set<Integer> ports = new LinkedHashSet<>();
        jvms.forEach(j -> ports.add(j.port()));
        ports.add(ingestPort);
        return ports;
    }

    @Override
    public void sample() {
        HttpResponse<String> metrics = get(dispatcherPort, "/metrics");
        if (metrics != null && metrics.statusCode() == 200) {
            peakHeapMb = Math.max(peakHeapMb, Scenarios.round(heapBytes(metrics.body()) / 1048576.0));
        }
        peakRssMb = Math.max(peakRssMb, Scenarios.Sampler.rssMb(pid()));
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
        for (Jvm j : jvms) {
            Processes.stop(j.process(), 30);
        }
    }
}
