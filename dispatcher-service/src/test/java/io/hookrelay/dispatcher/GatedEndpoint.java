package io.hookrelay.dispatcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP endpoint that holds every request until the test opens it: the slowest
 * possible subscriber, without the test depending on how long anything takes.
 */
final class GatedEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gated-endpoint");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();

    GatedEndpoint() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Requests received so far, answered or held. */
    int arrived() {
        return arrived.get();
    }

    /** Requests answered so far. */
    int answered() {
        return answered.get();
    }

    /** Answers every held request, and every later one at once. */
    void open() {
        gate.countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
            arrived.incrementAndGet();
            if (!gate.await(60, TimeUnit.SECONDS)) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            ex.sendResponseHeaders(204, -1);
            answered.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        gate.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}
