package io.hookrelay.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hookrelay.testing.ChildJvm;
import org.junit.jupiter.api.Test;

/** The dispatcher run on its own, as an operator starts it. */
class DispatcherMainTest {

    @Test
    void badSettingStopsTheServiceWithOneLineAndExitCode2() throws Exception {
        Path log = Files.createDirectories(Path.of("target", "child-dispatchers")).resolve("bad-config.log");

        Process p = ChildJvm.start(DispatcherService.class, Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                "WEBHOOKS_HTTP_TIMEOUT", "soon"), log);

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log, StandardCharsets.UTF_8).strip()).isEqualTo(
                "Invalid value 'soon' for configuration WEBHOOKS_HTTP_TIMEOUT: expected a whole number followed by"
                        + " ms, s, m, h or d, such as 15s or 24h (expected a duration such as 15s)");
    }

    @Test
    void missingKafkaSettingStopsTheService() throws Exception {
        Path log = Files.createDirectories(Path.of("target", "child-dispatchers")).resolve("no-kafka.log");

        Process p = ChildJvm.start(DispatcherService.class, Map.of(), log);

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).startsWith("KAFKA_BOOTSTRAP_SERVERS is unset");
    }
}
