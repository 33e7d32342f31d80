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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP server standing in for a subscriber: it records every request and answers as
 * told per path (status, delay, headers). Tests assert on what it received, as a subscriber would.
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

    private final HttpServer server;
    private final ExecutorService pool;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private volatile Reply defaultReply = Reply.status(204);

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
            Reply reply = replies.getOrDefault(path, defaultReply);
            if (!reply.delay().isZero()) {
                Thread.sleep(reply.delay().toMillis());
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

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
