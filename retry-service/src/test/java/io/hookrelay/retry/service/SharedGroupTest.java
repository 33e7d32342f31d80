package io.hookrelay.retry.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import io.hookrelay.testing.ChildJvm;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;

/** Two retry-service instances in one consumer group share the tiers; when one dies, the other finishes. */
class SharedGroupTest {

    private static final int DELIVERIES = 1_000;

    @Test
    void twoInstancesShareTheTiersAndOneKilledLosesNothing() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "child-retry-services"));
        Properties adminProps = new Properties();
        try (EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             WebhookReceiver receiver = WebhookReceiver.start()) {
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Map<String, String> env = Fixtures.env(kafka.bootstrapServers(), "2s,5s", "WEBHOOKS_PARTITIONS", "6",
                    "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", "8");
            PipelineConfig config = PipelineConfig.from(env);
            TopicProvisioner.ensure(kafka.bootstrapServers(), 6, config.get(PipelineConfig.RETRY_SCHEDULE));
            receiver.reply("/shared", Reply.status(204).after(Duration.ofMillis(20)));
            List<Subscription> subs = IntStream.range(0, 12)
                    .mapToObj(i -> Fixtures.subscription(receiver.url("/shared"))).toList();
            subs.forEach(s -> Fixtures.putSubscription(client, s));

            try (RetryService survivor = RetryService.start(config, Clock.systemUTC());
                 Admin admin = Admin.create(adminProps)) {
                int childPort = EmbeddedKafka.freePort();
                Map<String, String> childEnv = new java.util.HashMap<>(env);
                childEnv.put("RETRY_HTTP_PORT", Integer.toString(childPort));
                Process doomed = ChildJvm.start(RetryService.class, childEnv, logs.resolve("shared-doomed.log"));
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                            .ignoreExceptions().until(() -> owners(admin) == 2);
                    Backlog backlog = Backlog.write(client, "shared-", subs,
                            List.of(Fixtures.tier("2s"), Fixtures.tier("5s")), DELIVERIES,
                            System.currentTimeMillis() + 2_000, 6_000);

                    await().atMost(Duration.ofSeconds(60)).until(() -> backlog.received(receiver).size() >= 300);
                    double byDoomed = attemptsMade(childPort);
                    ChildJvm.kill(doomed);
                    assertThat(backlog.received(receiver).size()).as("the kill came mid-run").isLessThan(DELIVERIES);
                    assertThat(byDoomed).as("attempts the killed instance made").isPositive();
                    assertThat(attemptsMade(survivor.httpPort())).as("attempts the other instance made").isPositive();

                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                            .until(() -> backlog.received(receiver).size() == DELIVERIES);
                    backlog.assertAllReceivedNoneEarly(receiver);
                } finally {
                    if (doomed.isAlive()) {
                        ChildJvm.kill(doomed);
                    }
                }
            }
        }
    }

    /** Members of the retry group that own at least one partition. */
    private static long owners(Admin admin) throws Exception {
        Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(RetryService.GROUP_ID))
                .all().get().get(RetryService.GROUP_ID).members();
        return members.stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
    }

    /** The sum of hookrelay_retry_attempts_total over outcomes, from an instance's own /metrics. */
    private static double attemptsMade(int httpPort) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith("hookrelay_retry_attempts_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
