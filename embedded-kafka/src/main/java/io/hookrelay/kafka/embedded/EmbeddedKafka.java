package io.hookrelay.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker (broker and controller in one) running inside this JVM: the
 * all-in-one default when no cluster is configured, and the real Kafka the tests talk to.
 *
 * <p>Every internal topic runs with replication factor 1 and min ISR 1: without
 * {@code offsets.topic.replication.factor=1} consumer groups silently read nothing on one node.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dataDir;
    private final int port;
    private final KafkaRaftServer server;
    private volatile boolean stopped;

    private EmbeddedKafka(Path dataDir, int port, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.server = server;
    }

    /** Starts a broker on a free port with its logs in a fresh temporary directory. */
    public static EmbeddedKafka startEphemeral() {
        try {
            Path dir = Files.createTempDirectory("hookrelay-kafka-");
            dir.toFile().deleteOnExit();
            return start(dir, freePort());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * Starts a broker whose log lives under {@code dataDir} (kept across restarts: a formatted
     * directory is reused as it is) and that clients reach at {@code localhost:port}.
     * Returns once the broker is ready, about three seconds.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, port, Map.of());
    }

    /** As {@link #start(Path, int)}, with extra broker properties overriding the defaults. */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kafka-logs");
            Path controllerPortFile = dataDir.resolve("controller.port");
            // The controller port is part of the formatted metadata quorum, so it must stay the same
            // for a kept data directory; remember the one we picked the first time.
            int controllerPort = Files.exists(controllerPortFile)
                    ? Integer.parseInt(Files.readString(controllerPortFile).trim())
                    : freePort();
            if (!isFree(controllerPort)) {
                controllerPort = freePort();
            }
            Files.writeString(controllerPortFile, Integer.toString(controllerPort));

            Properties p = brokerProperties(logDir, port, controllerPort);
            overrides.forEach(p::setProperty);
            Path cfg = dataDir.resolve("server.properties");
            try (Writer w = Files.newBufferedWriter(cfg, StandardCharsets.UTF_8)) {
                p.store(w, "written by hookrelay's embedded broker at every start");
            }
            // Like the controller port, the cluster id is fixed when the log directory is formatted;
            // a kept directory must be started with the id it was formatted with.
            Path clusterIdFile = dataDir.resolve("cluster.id");
            if (!Files.exists(clusterIdFile)) {
                Files.writeString(clusterIdFile, Uuid.randomUuid().toString());
            }
            format(cfg, Files.readString(clusterIdFile).trim());
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
            server.startup();
            log.info("Embedded Kafka broker ready at localhost:{} (data in {})", port, dataDir.toAbsolutePath());
            return new EmbeddedKafka(dataDir, port, server);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the embedded broker's data directory " + dataDir, e);
        }
    }

    /**
     * The settings of a single-node KRaft broker that is its own controller, every internal topic
     * at replication factor 1: the embedded broker's, and the fault suite's broker process's.
     */
    public static Properties brokerProperties(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", logDir.toAbsolutePath().toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "6");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "6");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The cleaner's default dedupe buffer takes 128 MiB of heap; compacted topics still need it.
        p.setProperty("log.cleaner.dedupe.buffer.size", "8388608");
        p.setProperty("auto.create.topics.enable", "false");
        return p;
    }

    private static void format(Path cfg, String clusterId) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", cfg.toString(),
                    "--ignore-formatted"}, out);
        } catch (Exception e) {
            throw new IllegalStateException("Formatting the embedded broker's log directory failed: "
                    + buf.toString(StandardCharsets.UTF_8), e);
        }
    }

    /** A port that was free a moment ago on localhost. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free local port", e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits until it has shut down. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        server.shutdown();
        server.awaitShutdown();
        log.info("Embedded Kafka broker at localhost:{} stopped", port);
    }
}
