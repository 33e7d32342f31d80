package io.hookrelay.dispatcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link DispatcherService#main} in a separate JVM on this test's classpath, so a test can
 * kill it the way a machine dies: no shutdown hook, no final commit.
 */
final class ChildDispatcher {

    private ChildDispatcher() {
    }

    static Process start(Map<String, String> env, Path log) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp", classpath(),
                DispatcherService.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("WEBHOOKS_") || k.startsWith("KAFKA_") || k.endsWith("_HTTP_PORT"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a child JVM", e);
        }
    }

    /**
     * This JVM's classpath. Surefire's default manifest-only booter jar puts the real classpath in
     * {@code java.class.path} for the tests, so it is usable as it is.
     */
    static String classpath() {
        String cp = System.getProperty("java.class.path");
        if (!cp.contains("dispatcher-service" + File.separator + "target" + File.separator + "classes")) {
            throw new IllegalStateException("The test classpath does not hold the dispatcher's classes: " + cp);
        }
        return cp;
    }
}
