package io.hookrelay.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hookrelay.kafka.embedded.Processes;

/**
 * The subscribers of a scenario, in the suite's JVM: one JDK HTTP server whose paths behave as
 * told ({@link Mode}), and a raw socket server that resets every connection. For every request it
 * records the {@code webhook-id} header and the body's {@code event_id}; a request counts as
 * delivered only when it was answered 2xx. Its pool answers in microseconds, far above the
 * pipeline's few thousand deliveries a second, so that it never is what drops a delivery.
 */
final class Subscriber implements AutoCloseable {

    /** How one path answers. */
    enum Mode {
        /** 204 at once (or 503 to the first attempt of a share of webhook ids, see {@link #failFirst}). */
        HEALTHY,
        /** 503 to everything. */
        FAILING,
        /** Accepts the request and never answers. */
        HANGING
    }

    /** One event at one path: the webhook ids it came under, and its 2xx deliveries and attempts. */
    static final class Seen {
        final Set<String> webhookIds = ConcurrentHashMap.newKeySet();
        int delivered;
        int attempts;
        long firstDeliveredAt;
        long lastAttemptAt;
    }

    static {
        // The JDK server closes keep-alive connections past 200 idle ones, which the dispatcher sees as resets.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
        }
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final ServerSocket resetServer;
    private final Map<String, Mode> modes = new ConcurrentHashMap<>();
    private final Map<String, Double> failFirst = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Seen>> seen = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, AtomicLong>> perSecond = new ConcurrentHashMap<>();
    private final List<HttpExchange> held = new ArrayList<>();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean closed;

    private Subscriber(HttpServer server, ExecutorService pool, ServerSocket resetServer) {
        this.server = server;
        this.pool = pool;
        this.resetServer = resetServer;
    }

    static Subscriber start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            server.setExecutor(pool);
            ServerSocket reset = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
            Subscriber s = new Subscriber(server, pool, reset);
            server.createContext("/", s::handle);
            server.start();
            Thread t = new Thread(s::resetLoop, "subscriber-reset");
            t.setDaemon(true);
            t.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the subscriber", e);
        }
    }

    /** The URL of {@code path} on the HTTP server. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The URL of {@code path} on the server that resets every connection. */
    String resettingUrl(String path) {
        return "http://127.0.0.1:" + resetServer.getLocalPort() + path;
    }

    void mode(String path, Mode mode) {
        modes.put(path, mode);
        if (mode != Mode.HANGING) {
            synchronized (held) {
                held.forEach(HttpExchange::close);
                held.clear();
            }
        }
    }

    /** A share (0..1) of webhook ids at {@code path} whose first attempt is answered 503, chosen by hash. */
    void failFirst(String path, double share) {
        failFirst.put(path, share);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readAllBytes();
            requests.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            String webhookId = ex.getRequestHeaders().getFirst("webhook-id");
            String eventId = eventId(body);
            Seen s = seen.computeIfAbsent(path, k -> new ConcurrentHashMap<>()).computeIfAbsent(eventId, k -> new Seen());
            long now = System.currentTimeMillis();
            int attempt;
            synchronized (s) {
                attempt = ++s.attempts;
                s.lastAttemptAt = now;
            }
            Mode mode = modes.getOrDefault(path, Mode.HEALTHY);
            if (mode == Mode.HANGING) {
                synchronized (held) {
                    held.add(ex);
                }
                return;
            }
            if (mode == Mode.FAILING || (attempt == 1 && failsFirst(path, webhookId))) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            synchronized (s) {
                if (webhookId != null) {
                    s.webhookIds.add(webhookId);
                }
                if (s.delivered++ == 0) {
                    s.firstDeliveredAt = now;
                }
            }
            perSecond.computeIfAbsent(path, k -> new ConcurrentHashMap<>()).computeIfAbsent(now / 1000, k -> new AtomicLong())
                    .incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        }
    }

    private boolean failsFirst(String path, String webhookId) {
        double share = failFirst.getOrDefault(path, 0.0);
        return share > 0 && webhookId != null && Math.floorMod(webhookId.hashCode(), 10_000) < share * 10_000;
    }

    /** Reads a little of each request, then closes with SO_LINGER 0: the client sees a connection reset. */
    private void resetLoop() {
        while (!closed) {
            try {
                Socket s = resetServer.accept();
                pool.execute(() -> {
                    try (s) {
                        s.setSoTimeout(2000);
                        s.getInputStream().read(new byte[512]);
                        s.setSoLinger(true, 0);
                        resets.incrementAndGet();
                    } catch (IOException e) {
                        // Reset either way.
                    }
                });
            } catch (IOException e) {
                if (!closed) {
                    Processes.sleep(10);
                }
            }
        }
    }

    /** The event id of a Standard Webhooks body ({@code data.event_id}), without parsing the whole JSON. */
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

    /** What {@code path} saw, by event id (live view). */
    Map<String, Seen> seen(String path) {
        return seen.computeIfAbsent(path, k -> new ConcurrentHashMap<>());
    }

    /** 2xx deliveries at {@code path} in the epoch seconds [from, to). */
    long deliveredBetween(String path, long fromSecond, long toSecond) {
        long n = 0;
        for (Map.Entry<Long, AtomicLong> e : perSecond.getOrDefault(path, Map.of()).entrySet()) {
            if (e.getKey() >= fromSecond && e.getKey() < toSecond) {
                n += e.getValue().get();
            }
        }
        return n;
    }

    long resets() {
        return resets.get();
    }

    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        pool.shutdownNow();
        try {
            resetServer.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
