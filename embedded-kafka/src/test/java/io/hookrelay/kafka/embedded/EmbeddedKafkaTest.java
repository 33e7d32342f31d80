package io.hookrelay.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    @Test
    void keepsTopicsAcrossARestartOnTheSameDataDirectory() throws Exception {
        Path dir = Files.createTempDirectory("embedded-kafka-test-");
        int port = EmbeddedKafka.freePort();
        try (EmbeddedKafka first = EmbeddedKafka.start(dir, port);
             Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("kept", Optional.of(1), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
        }
        try (EmbeddedKafka second = EmbeddedKafka.start(dir, port);
             Admin admin = Admin.create(Map.of("bootstrap.servers", second.bootstrapServers()))) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(names).contains("kept");
        }
    }
}
