package io.hookrelay.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP server standing in for a subscriber: it records every request and answers as
 * told per path (status, delay, headers), or holds a path's requests unanswered until told. Tests
 * assert on what it received, as a subscriber would, and on how many requests it had at once.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as the receiver saw it. Header names are lower case. */
    public record Received(String method, String path, Map<String, String> headers, byte[] body, Instant at) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    /** How to answer requests to one path. */
    public record Reply(int status, Duration delay, Map<String, String> headers, String body) {
        public static Reply status(int status) {
            return new Reply(status, Duration.ZERO, Map.of(), "");
        }

        public Reply after(Duration delay) {
            return new Reply(status, delay, headers, body);
        }

        public Reply withHeader(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, delay, Map.copyOf(h), body);
        }

        public Reply withBody(String body) {
            return new Reply(status, delay, headers, body);
        }
    }

    static {
        // The JDK server closes every keep-alive connection past 200 idle ones the moment it goes
        // idle, racing the sender's next request on it (the benchmark's receiver raises it too).
        // Connections follow subscriptions, so thirty subscriptions on this one receiver hold up to
        // 300; a subscriber that drops connections under load is F6's case, not every test's.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
        }
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private volatile Reply defaultReply = Reply.status(204);
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostOpen = new ConcurrentHashMap<>();

    private WebhookReceiver(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /** Starts on a free port of 127.0.0.1. */
    public static WebhookReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
            ExecutorService pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "webhook-receiver");
                t.setDaemon(true);
                return t;
            });
            WebhookReceiver receiver = new WebhookReceiver(server, pool);
            server.createContext("/", receiver::handle);
            server.setExecutor(pool);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the test receiver", e);
        }
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Answer requests to {@code path} with {@code reply}; other paths get the default (204). */
    public WebhookReceiver reply(String path, Reply reply) {
        replies.put(path, reply);
        return this;
    }

    public WebhookReceiver replyByDefault(Reply reply) {
        this.defaultReply = reply;
        return this;
    }

    /** Holds every request to {@code path} unanswered until {@link #release(String)}: the slowest subscriber. */
    public WebhookReceiver hold(String path) {
        holds.put(path, new CountDownLatch(1));
        return this;
    }

    /** Answers the requests held on {@code path} as its reply says, and later ones at once. */
    public void release(String path) {
        CountDownLatch held = holds.remove(path);
        if (held != null) {
            held.countDown();
        }
    }

    /** The most requests to {@code path} that were received and not yet answered at the same time. */
    public int mostAtOnce(String path) {
        AtomicInteger n = mostOpen.get(path);
        return n == null ? 0 : n.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String path) {
        return select(r -> r.path().equals(path));
    }

    public List<Received> select(Predicate<Received> p) {
        List<Received> out = new ArrayList<>();
        for (Received r : received) {
            if (p.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    public void clear() {
        received.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            byte[] body = in.readAllBytes();
            Map<String, String> headers = new java.util.HashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            received.add(new Received(ex.getRequestMethod(), query == null ? path : path + "?" + query,
                    Map.copyOf(headers), body, Instant.now()));
            // Counted open from arrival until its answer is about to leave: the sender may send the
            // next request the moment it has the answer.
            AtomicInteger openNow = open.computeIfAbsent(path, p -> new AtomicInteger());
            mostOpen.computeIfAbsent(path, p -> new AtomicInteger()).accumulateAndGet(openNow.incrementAndGet(), Math::max);
            Reply reply;
            try {
                reply = awaitReply(path);
            } finally {
                openNow.decrementAndGet();
            }
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The reply to a request on {@code path}, once its hold (if any) is released and its delay has passed. */
    private Reply awaitReply(String path) throws InterruptedException {
        CountDownLatch held = holds.get(path);
        if (held != null && !held.await(60, TimeUnit.SECONDS)) {
            return Reply.status(503);
        }
        Reply reply = replies.getOrDefault(path, defaultReply);
        if (!reply.delay().isZero()) {
            Thread.sleep(reply.delay().toMillis());
        }
        return reply;
    }

    @Override
    public void close() {
        holds.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        pool.shutdownNow();
    }
}
