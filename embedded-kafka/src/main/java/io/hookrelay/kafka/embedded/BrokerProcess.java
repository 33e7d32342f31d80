package io.hookrelay.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft broker (broker and controller) in its own JVM ({@code kafka.Kafka}), on
 * ports and a log directory fixed at creation, so that it comes back after a kill or a stop as the
 * same broker with the same data. Its settings are the embedded broker's (every internal topic at
 * replication factor 1). Clients are told to connect to {@code advertisedPort}, which is the
 * listener's own port unless a {@link TcpProxy} sits in front of it.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final int START_TIMEOUT_SECONDS = 120;

    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    private final int advertisedPort;
    private Process process;

    private BrokerProcess(Path dir, Path log, int port, int advertisedPort) {
        this.dir = dir;
        this.config = dir.resolve("server.properties");
        this.log = log;
        this.port = port;
        this.advertisedPort = advertisedPort;
    }

    /** A broker listening on a free port and advertising {@code advertisedPort} (0: its own port); formats its log dir. */
    public static BrokerProcess create(Path dir, Path log, int advertisedPort) {
        int port = EmbeddedKafka.freePort();
        BrokerProcess b = new BrokerProcess(dir, log, port, advertisedPort == 0 ? port : advertisedPort);
        b.writeConfig(EmbeddedKafka.freePort());
        b.format();
        return b;
    }

    /** A broker whose listener port is {@code port} (for a proxy that must know it before the broker exists). */
    public static BrokerProcess create(Path dir, Path log, int port, int advertisedPort) {
        BrokerProcess b = new BrokerProcess(dir, log, port, advertisedPort);
        b.writeConfig(EmbeddedKafka.freePort());
        b.format();
        return b;
    }

    private void writeConfig(int controllerPort) {
        // The embedded broker's settings, but on 127.0.0.1 and advertising the port clients use
        // (a proxy's in F5), so a stalled proxy stands between every client and the broker.
        Properties p = EmbeddedKafka.brokerProperties(dir.resolve("kafka-logs"), port, controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + advertisedPort);
        try {
            Files.createDirectories(dir);
            try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                p.store(w, "the fault suite's broker");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + config, e);
        }
    }

    /** Formats the log directory once; later starts reuse it as it is. */
    private void format() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
                    "--ignore-formatted"}, out);
        } catch (Exception e) {
            throw new IllegalStateException("Formatting the broker's log directory failed: " + buf.toString(StandardCharsets.UTF_8), e);
        }
    }

    /** Starts the broker JVM and returns once it answers a describeCluster through its advertised address. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("The broker is already running (pid " + process.pid() + ")");
        }
        appendLog("=== broker start");
        process = Processes.startJvm("kafka.Kafka", List.of("-Xmx512m", "-Xms128m"), List.of(config.toString()), Map.of(), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The broker JVM exited with " + process.exitValue() + " at start; see " + log);
            }
            if (answers()) {
                return;
            }
            Processes.sleep(250);
        }
        throw new IllegalStateException("The broker did not answer within " + START_TIMEOUT_SECONDS + " s; see " + log);
    }

    private boolean answers() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(p)) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** SIGKILL: no flush, no controlled shutdown. */
    public synchronized void kill() {
        appendLog("=== broker SIGKILL");
        Processes.kill(process);
    }

    /** SIGTERM and wait for the controlled shutdown to finish (SIGKILL after 120 s). */
    public synchronized void stop() {
        appendLog("=== broker SIGTERM");
        Processes.stop(process, 120);
    }

    public void restart() {
        kill();
        start();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** What clients bootstrap from: the advertised address. */
    public String bootstrap() {
        return "127.0.0.1:" + advertisedPort;
    }

    /** The broker JVM's process id (for reading its CPU time from /proc), or -1 when it is not running. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public int port() {
        return port;
    }

    private void appendLog(String line) {
        try {
            Files.writeString(log, line + " at " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
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
