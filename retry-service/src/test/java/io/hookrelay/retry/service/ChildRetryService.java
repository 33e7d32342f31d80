package io.hookrelay.retry.service;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link RetryService#main} in a separate JVM on this test's classpath, so a test can kill it
 * the way a machine dies: no shutdown hook, no draining, no final commit.
 */
final class ChildRetryService {

    private ChildRetryService() {
    }

    static Process start(Map<String, String> env, Path log) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp", classpath(),
                RetryService.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("WEBHOOKS_") || k.startsWith("KAFKA_") || k.endsWith("_HTTP_PORT"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a child JVM", e);
        }
    }

    /** Kills the child at once (SIGKILL): nothing of it runs after this. */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("The child JVM did not die");
        }
    }

    /** Stops the child politely when a test is done with it, forcibly if it does not stop. */
    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            kill(p);
        }
    }

    /**
     * This JVM's classpath. Surefire's default manifest-only booter jar puts the real classpath in
     * {@code java.class.path} for the tests, so it is usable as it is.
     */
    static String classpath() {
        String cp = System.getProperty("java.class.path");
        if (!cp.contains("retry-service" + File.separator + "target" + File.separator + "classes")) {
            throw new IllegalStateException("The test classpath does not hold the retry-service's classes: " + cp);
        }
        return cp;
    }
}
