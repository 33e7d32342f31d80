package io.hookrelay.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.kafka.embedded.Processes;
import io.hookrelay.launcher.Main;

/**
 * One pipeline process as it ships ({@code hookrelay.jar all|ingest|dispatcher|retry}) in its own
 * JVM, with its own data directory and HTTP ports fixed at creation, so that a restart after a
 * kill is the same service coming back. Its output goes to its log file, with a marker per start
 * and kill.
 */
final class ServiceProcess implements AutoCloseable {

    private static final int HEALTH_TIMEOUT_SECONDS = 180;

    private final String mode;
    private final Map<String, String> env;
    private final Path log;
    private final int ingestPort;
    private final int dispatcherPort;
    private final int retryPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    ServiceProcess(String mode, Map<String, String> pipelineEnv, Path dataDir, Path log) {
        this.mode = mode;
        this.log = log;
        this.ingestPort = EmbeddedKafka.freePort();
        this.dispatcherPort = EmbeddedKafka.freePort();
        this.retryPort = EmbeddedKafka.freePort();
        Map<String, String> e = new LinkedHashMap<>(pipelineEnv);
        e.put("WEBHOOKS_DATA_DIR", dataDir.toAbsolutePath().toString());
        e.put("INGEST_HTTP_PORT", Integer.toString(ingestPort));
        e.put("DISPATCHER_HTTP_PORT", Integer.toString(dispatcherPort));
        e.put("RETRY_HTTP_PORT", Integer.toString(retryPort));
        this.env = Map.copyOf(e);
    }

    /** Starts the JVM and waits until every service in it answers {@code /health} with 200. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(mode + " is already running (pid " + process.pid() + ")");
        }
        marker("start #" + (++starts));
        String heap = mode.equals("all") ? "-Xmx768m" : "-Xmx384m";
        process = Processes.startJvm(Main.class.getName(), List.of(heap, "-XX:+UseSerialGC"), List.of(mode), env, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HEALTH_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(mode + " exited with " + process.exitValue() + " at start; see " + log);
            }
            if (healthPorts().stream().allMatch(p -> status(p, "/health") == 200)) {
                return;
            }
            Processes.sleep(250);
        }
        throw new IllegalStateException(mode + " did not report healthy within " + HEALTH_TIMEOUT_SECONDS + " s; see " + log);
    }

    /** SIGKILL: no shutdown hook, no final commit. */
    synchronized void kill() {
        marker("SIGKILL");
        Processes.kill(process);
    }

    /** SIGTERM: the services close their clients. */
    synchronized void stop() {
        marker("SIGTERM");
        Processes.stop(process, 60);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String mode() {
        return mode;
    }

    Path log() {
        return log;
    }

    String ingestUrl() {
        return "http://127.0.0.1:" + ingestPort;
    }

    String retryUrl() {
        return "http://127.0.0.1:" + retryPort;
    }

    String dispatcherUrl() {
        return "http://127.0.0.1:" + dispatcherPort;
    }

    private List<Integer> healthPorts() {
        return switch (mode) {
            case "all" -> List.of(ingestPort, dispatcherPort, retryPort);
            case "ingest" -> List.of(ingestPort);
            case "dispatcher" -> List.of(dispatcherPort);
            case "retry" -> List.of(retryPort);
            default -> throw new IllegalArgumentException("Unknown mode " + mode);
        };
    }

    /** Each service's {@code /health} as status and body now, e.g. {@code ingest=503 {...}}; "down" when unreachable. */
    Map<String, String> health() {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        if (mode.equals("all") || mode.equals("ingest")) {
            ports.put("ingest", ingestPort);
        }
        if (mode.equals("all") || mode.equals("dispatcher")) {
            ports.put("dispatcher", dispatcherPort);
        }
        if (mode.equals("all") || mode.equals("retry")) {
            ports.put("retry", retryPort);
        }
        ports.forEach((name, port) -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                out.put(name, r.statusCode() + " " + r.body().replaceAll("\\s+", " "));
            } catch (IOException e) {
                out.put(name, "down (" + e + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.put(name, "interrupted");
            }
        });
        return out;
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void marker(String what) {
        try {
            Files.writeString(log, "=== faults: " + mode + " " + what + " at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The marker only helps reading the log.
        }
    }

    @Override
    public synchronized void close() {
        if (alive()) {
            Processes.stop(process, 30);
        }
    }
}
