package io.hookrelay.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The benchmark's webhook receiver, run in its own JVM so that its CPU and heap are not the
 * pipeline's. The first path segment of a POST picks the behaviour: {@code /fast} answers 204 at
 * once, {@code /slow} after 50 ms (scheduled, so no thread waits), {@code /hang} accepts and never
 * answers, {@code /flaky} answers 503 to the first attempt of a share of webhook ids (given as the
 * second argument) and 204 otherwise. It records, per {@code webhook-id}, the event id, the number
 * of requests, the number of 2xx answers and the first 2xx time (epoch µs). {@code GET /count}
 * gives {@code <webhook ids answered 2xx> <requests seen>}; {@code GET /stats} one line per webhook
 * id; {@code POST /reset} forgets everything. It prints {@code PORT <n>} once listening. It listens on
 * every address so that subscriptions can use distinct loopback hosts (127.0.x.y), each with its
 * own connection pool in the dispatcher, as distinct subscribers would have.
 */
public final class BenchReceiver {

    static final long SLOW_MS = 50;

    /** One webhook id as the receiver saw it. */
    static final class Seen {
        final String eventId;
        int requests;
        int ok;
        long firstOkMicros;

        Seen(String eventId) {
            this.eventId = eventId;
        }
    }

    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final AtomicLong okIds = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final List<HttpExchange> held = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final double failFraction;

    private BenchReceiver(double failFraction) {
        this.failFraction = failFraction;
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        double failFraction = args.length > 1 ? Double.parseDouble(args[1]) : 0.2;
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        BenchReceiver receiver = new BenchReceiver(failFraction);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 4096);
        server.setExecutor(Executors.newFixedThreadPool(threads));
        server.createContext("/", receiver::handle);
        server.start();
        System.out.println("PORT " + server.getAddress().getPort());
        System.out.flush();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        if ("GET".equals(ex.getRequestMethod())) {
            if (path.equals("/count")) {
                respond(ex, 200, (okIds.get() + " " + requests.get()).getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/stats")) {
                respond(ex, 200, stats());
            } else {
                respond(ex, 404, new byte[0]);
            }
            return;
        }
        if (path.equals("/reset")) {
            seen.clear();
            okIds.set(0);
            requests.set(0);
            synchronized (held) {
                held.forEach(HttpExchange::close);
                held.clear();
            }
            respond(ex, 204, null);
            return;
        }
        requests.incrementAndGet();
        String webhookId = ex.getRequestHeaders().getFirst("webhook-id");
        String eventId = eventId(body);
        Seen s = webhookId == null ? null : seen.computeIfAbsent(webhookId, k -> new Seen(eventId));
        int attempt;
        if (s == null) {
            attempt = 1;
        } else {
            synchronized (s) {
                attempt = ++s.requests;
            }
        }
        if (path.startsWith("/hang")) {
            synchronized (held) {
                held.add(ex);
            }
        } else if (path.startsWith("/slow")) {
            timer.schedule(() -> ok(ex, s), SLOW_MS, TimeUnit.MILLISECONDS);
        } else if (path.startsWith("/flaky") && attempt == 1 && failsFirst(webhookId, eventId)) {
            respond(ex, 503, null);
        } else {
            ok(ex, s);
        }
    }

    /** A fixed share of webhook ids, chosen by hash so that a rerun fails the same ones; warm-ups never fail. */
    private boolean failsFirst(String webhookId, String eventId) {
        if (webhookId == null || eventId == null || eventId.startsWith(Scenarios.WARM_UP_PREFIX)) {
            return false;
        }
        return Math.floorMod(webhookId.hashCode(), 10_000) < failFraction * 10_000;
    }

    private void ok(HttpExchange ex, Seen s) {
        if (s != null) {
            boolean first;
            synchronized (s) {
                first = s.ok++ == 0;
                if (first) {
                    s.firstOkMicros = nowMicros();
                }
            }
            if (first && !s.eventId.startsWith(Scenarios.WARM_UP_PREFIX)) {
                okIds.incrementAndGet();
            }
        }
        try {
            respond(ex, 204, null);
        } catch (IOException e) {
            // The sender gave up on this request (its timeout); it counts as received all the same.
        }
    }

    private byte[] stats() {
        StringBuilder b = new StringBuilder(seen.size() * 64);
        seen.forEach((id, s) -> {
            synchronized (s) {
                b.append(id).append(' ').append(s.eventId).append(' ').append(s.requests).append(' ')
                        .append(s.ok).append(' ').append(s.firstOkMicros).append('\n');
            }
        });
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** The {@code event_id} of a webhook body, without parsing the whole JSON: it is on the hot path. */
    static String eventId(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int k = s.indexOf("\"event_id\"");
        if (k < 0) {
            return "-";
        }
        int open = s.indexOf('"', s.indexOf(':', k) + 1);
        int close = s.indexOf('"', open + 1);
        return open < 0 || close < 0 ? "-" : s.substring(open + 1, close);
    }

    private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        if (body == null || body.length == 0) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }
}
