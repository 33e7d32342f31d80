package io.hookrelay.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.hookrelay.kafka.embedded.Processes;

/**
 * A TCP proxy on loopback in front of one port: a thread per direction per connection copies the
 * bytes. {@link #stall()} stops the copying both ways without closing anything (new connections
 * are still accepted and connected, but nothing moves), as a network that drops every packet does;
 * {@link #resume()} lets the held bytes through.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile boolean stalled;
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, int target) {
        this.server = server;
        this.target = target;
    }

    /** Listens on {@code port} of 127.0.0.1 and forwards to {@code target} there. */
    static TcpProxy start(int port, int target) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
            TcpProxy proxy = new TcpProxy(s, target);
            Thread t = new Thread(proxy::acceptLoop, "tcp-proxy-accept-" + port);
            t.setDaemon(true);
            t.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on port " + port + " for the proxy", e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    void stall() {
        stalled = true;
    }

    void resume() {
        synchronized (gate) {
            stalled = false;
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException e) {
                    // The broker is down: the client sees the connection close, as with no proxy.
                    client.close();
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    Processes.sleep(10);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitOpen();
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                // One side closed or reset: the other goes too, below.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Holds the bytes just read while stalled; the socket buffers fill and the sender blocks, as on a dead link. */
    private void awaitOpen() {
        synchronized (gate) {
            while (stalled && !closed) {
                try {
                    gate.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    @Override
    public void close() {
        closed = true;
        resume();
        try {
            server.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        sockets.forEach(this::closeQuietly);
    }
}
