package io.hookrelay.dispatcher.status;

import static io.hookrelay.dispatcher.status.StatusFixtures.KEY_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.OPERATOR_A;
import static io.hookrelay.dispatcher.status.StatusFixtures.WAIT;
import static io.hookrelay.dispatcher.status.StatusFixtures.accept;
import static io.hookrelay.dispatcher.status.StatusFixtures.awaitDispatched;
import static io.hookrelay.dispatcher.status.StatusFixtures.event;
import static io.hookrelay.dispatcher.status.StatusFixtures.getOk;
import static io.hookrelay.dispatcher.status.StatusFixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.dispatcher.DispatcherService;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver.Reply;
import io.hookrelay.testing.WebhookReceiver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The status stores survive losing every local file: they come back from their changelog topics. */
class RestartTest {

    @Test
    void storesComeBackFromTheChangelogsAfterLocalStateIsWiped() throws Exception {
        Properties p = new Properties();
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Path dataDir = StatusFixtures.tempDir("restart");
            PipelineConfig config = StatusFixtures.config(kafka.bootstrapServers(), dataDir);
            TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
            receiver.reply("/restart/ok", Reply.status(204)).reply("/restart/down", Reply.status(500));
            Subscription ok = subscription(OPERATOR_A, receiver.url("/restart/ok"));
            Subscription down = subscription(OPERATOR_A, receiver.url("/restart/down"));
            List<String> paths = List.of("/v1/events/r-1/deliveries", "/v1/events/r-2/deliveries",
                    "/v1/subscriptions/" + ok.id() + "/health", "/v1/subscriptions/" + down.id() + "/health",
                    "/v1/subscriptions/" + ok.id() + "/deliveries", "/v1/subscriptions/" + down.id() + "/deliveries");

            Map<String, JsonNode> before;
            try (Admin admin = Admin.create(p)) {
                try (DispatcherService dispatcher = DispatcherService.start(config, Clock.systemUTC())) {
                    StatusFixtures.subscribe(client, dispatcher, KEY_A, ok);
                    StatusFixtures.subscribe(client, dispatcher, KEY_A, down);
                    awaitDispatched(admin, accept(client, event(OPERATOR_A, "r-1")));
                    awaitDispatched(admin, accept(client, event(OPERATOR_A, "r-2")));
                    await().atMost(WAIT).until(() -> getOk(dispatcher, "/v1/subscriptions/" + down.id() + "/deliveries", KEY_A)
                            .get("data").size() == 2 && getOk(dispatcher, "/v1/subscriptions/" + ok.id() + "/deliveries",
                            KEY_A).get("data").size() == 2);
                    before = answers(dispatcher, paths);
                }
                // Nothing left to rebuild from but the changelogs: the inputs are gone, and so is every local file.
                deleteAllRecords(admin, Topics.ATTEMPTS);
                deleteAllRecords(admin, Topics.DLQ);
                deleteRecursively(dataDir.resolve("streams"));
            }
            assertThat(dataDir.resolve("streams")).doesNotExist();

            try (DispatcherService restarted = DispatcherService.start(config, Clock.systemUTC())) {
                Map<String, JsonNode> after = answers(restarted, paths);

                assertThat(after).isEqualTo(before);
                assertThat(after.get(paths.get(0)).get("data")).hasSize(2);
                assertThat(after.get(paths.get(3)).get("consecutive_failures").asInt()).isEqualTo(2);
            }
        }
    }

    /** Each path's answer, without its {@code as_of} (the time of asking). */
    private static Map<String, JsonNode> answers(DispatcherService d, List<String> paths) {
        Map<String, JsonNode> out = new HashMap<>();
        for (String path : paths) {
            JsonNode body = getOk(d, path, KEY_A);
            if (body instanceof ObjectNode o) {
                o.remove("as_of");
            }
            out.put(path, body);
        }
        return out;
    }

    private static void deleteAllRecords(Admin admin, String topic) throws Exception {
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        Map<TopicPartition, RecordsToDelete> upTo = admin.listOffsets(parts.stream()
                        .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> RecordsToDelete.beforeOffset(e.getValue().offset())));
        admin.deleteRecords(upTo).all().get();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
