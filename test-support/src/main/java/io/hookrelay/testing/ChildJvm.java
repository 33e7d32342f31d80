package io.hookrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a service's {@code main} in a separate JVM on the test's classpath, so a test can kill it
 * the way a machine dies: no shutdown hook, no final commit.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * Starts {@code mainClass} with {@code env} (the pipeline's own variables of this JVM are
     * removed first) and its output in {@code log}. Surefire's default manifest-only booter jar puts
     * the real classpath in {@code java.class.path} for the tests, so it is usable as it is.
     */
    public static Process start(Class<?> mainClass, Map<String, String> env, Path log) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                mainClass.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("WEBHOOKS_") || k.startsWith("KAFKA_") || k.endsWith("_HTTP_PORT"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a child JVM for " + mainClass.getName(), e);
        }
    }

    /** Kills the child at once (SIGKILL): nothing of it runs after this. */
    public static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("The child JVM did not die");
        }
    }

    /** Stops the child politely when a test is done with it, forcibly if it does not stop. */
    public static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            kill(p);
        }
    }
}
