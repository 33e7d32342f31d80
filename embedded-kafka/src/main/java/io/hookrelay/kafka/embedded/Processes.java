package io.hookrelay.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starting, killing and stopping child JVMs (the fault suite's and the benchmark's), all on this JVM's classpath. */
public final class Processes {

    private Processes() {
    }

    /**
     * Starts {@code mainClass} with {@code args} in a new JVM whose output is appended to {@code log}.
     * The pipeline's variables of this JVM's environment are removed first, so only {@code env} counts.
     * With {@code java -jar faults.jar} (or benchmarks.jar) the class path is the jar alone, whose manifest names the rest.
     */
    public static Process startJvm(String mainClass, List<String> jvmOptions, List<String> args, Map<String, String> env, Path log) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("WEBHOOKS_") || k.startsWith("KAFKA_") || k.endsWith("_HTTP_PORT"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a JVM for " + mainClass + "; see " + log, e);
        }
    }

    /** SIGKILL (destroyForcibly is SIGKILL on Linux) and wait until the process is gone. */
    public static void kill(Process p) {
        p.destroyForcibly();
        await(p, 30);
    }

    /** SIGTERM and wait up to {@code graceSeconds} for the process to exit, then SIGKILL. */
    public static void stop(Process p, int graceSeconds) {
        p.destroy();
        if (!await(p, graceSeconds)) {
            kill(p);
        }
    }

    private static boolean await(Process p, int seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return false;
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
