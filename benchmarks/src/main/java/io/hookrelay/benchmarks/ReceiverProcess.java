package io.hookrelay.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.hookrelay.kafka.embedded.Processes;

/** Starts {@link BenchReceiver} in a child JVM on this JVM's classpath and reads its counters. */
final class ReceiverProcess implements AutoCloseable {

    /** What the receiver saw for one webhook id; {@code firstOkMicros} is epoch µs, 0 when never answered 2xx. */
    record Seen(String webhookId, String eventId, int requests, int ok, long firstOkMicros) {
    }

    /** Webhook ids of scenario events answered 2xx at least once, and requests of any kind. */
    record Count(long okIds, long requests) {
    }

    private final Process process;
    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReceiverProcess(Process process, int port) {
        this.process = process;
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    static ReceiverProcess start(double failFraction) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                // The JDK server closes keep-alive connections past 200 idle ones, which clients see as resets.
                "-Dsun.net.httpserver.maxIdleConnections=100000",
                "-cp", System.getProperty("java.class.path"), BenchReceiver.class.getName(),
                "0", Double.toString(failFraction)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("PORT ")) {
                    ReceiverProcess r = new ReceiverProcess(p, Integer.parseInt(line.substring(5).trim()));
                    Thread drain = new Thread(() -> out.lines().forEach(l -> System.err.println("[receiver] " + l)),
                            "bench-receiver-output");
                    drain.setDaemon(true);
                    drain.start();
                    return r;
                }
                System.err.println("[receiver] " + line);
            }
            throw new IllegalStateException("The benchmark receiver exited before listening (exit " + p.waitFor() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the benchmark receiver JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String url(String path) {
        return baseUrl + path;
    }

    /** The receiver at another loopback address, so that the dispatcher pools its connections apart. */
    String url(String host, String path) {
        return "http://" + host + ":" + URI.create(baseUrl).getPort() + path;
    }

    void reset() {
        call("POST", "/reset");
    }

    Count count() {
        String[] parts = call("GET", "/count").trim().split(" ");
        return new Count(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    List<Seen> stats() {
        List<Seen> out = new ArrayList<>();
        for (String line : call("GET", "/stats").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            out.add(new Seen(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Long.parseLong(f[4])));
        }
        return out;
    }

    private String call(String method, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("The benchmark receiver answered " + r.statusCode() + " to " + method + " " + path);
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot reach the benchmark receiver at " + baseUrl + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        Processes.stop(process, 10);
    }
}
