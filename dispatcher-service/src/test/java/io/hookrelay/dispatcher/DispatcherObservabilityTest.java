package io.hookrelay.dispatcher;

import io.hookrelay.testing.LogCapture;
import io.hookrelay.testing.PrometheusText;
import static io.hookrelay.dispatcher.Fixtures.accept;
import static io.hookrelay.dispatcher.Fixtures.awaitDispatched;
import static io.hookrelay.dispatcher.Fixtures.event;
import static io.hookrelay.dispatcher.Fixtures.putSubscription;
import static io.hookrelay.dispatcher.Fixtures.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * What ops see of the dispatcher over one run with successes, failures and a 410, against a real
 * broker and a real local subscriber: /metrics matching what the subscriber received, and a log
 * with one structured line per notable event and nothing secret in it.
 */
class DispatcherObservabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int DELIVERED = 12;
    private static final int FAILING = 3;

    @Test
    void metricsMatchWhatTheSubscriberSawAndTheLogHoldsNoSecret() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        try (LogCapture log = LogCapture.install();
             EmbeddedKafka kafka = EmbeddedKafka.startEphemeral();
             WebhookReceiver receiver = WebhookReceiver.start()) {
            PipelineConfig config = Fixtures.config(kafka.bootstrapServers());
            TopicProvisioner.ensure(kafka.bootstrapServers(), 3, config.get(PipelineConfig.RETRY_SCHEDULE));
            receiver.reply("/fail", Reply.status(500).withBody("down for maintenance"));
            receiver.reply("/gone", Reply.status(410));
            // Above its 12 deliveries, which may all be fetched at once: none is parked by the subscription's limit.
            Subscription ok = subscription("op-ok", receiver.url("/ok?token=" + token), List.of("*"))
                    .withLimits(Subscription.MAX_MAX_IN_FLIGHT, null);
            Subscription failing = subscription("op-fail", receiver.url("/fail?token=" + token), List.of("*"));
            Subscription gone = subscription("op-gone", receiver.url("/gone?token=" + token), List.of("*"));
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
                 Admin admin = Admin.create(p)) {
                for (Subscription s : List.of(ok, failing, gone)) {
                    putSubscription(client, s.id(), s);
                }
                DispatcherService dispatcher = DispatcherService.start(config, Clock.systemUTC());
                try {
                    List<RecordMetadata> sent = new ArrayList<>();
                    for (int i = 0; i < DELIVERED; i++) {
                        String type = i % 2 == 0 ? "conversion.ftd" : "kyc.status_changed";
                        sent.add(accept(client, event("op-ok", "ok-" + i).type(type).json()));
                    }
                    for (int i = 0; i < FAILING; i++) {
                        sent.add(accept(client, event("op-fail", "fail-" + i).json()));
                    }
                    sent.add(accept(client, event("op-gone", "gone-1").json()));
                    sent.forEach(md -> awaitDispatched(admin, md));

                    assertThat(receiver.select(r -> r.path().startsWith("/ok"))).hasSize(DELIVERED);
                    PrometheusText metrics = PrometheusText.parse(get(dispatcher, "/metrics").body());
                    assertThat(metrics.sum("hookrelay_deliveries_total", "outcome", "delivered"))
                            .as("delivered, as counted, is what the subscriber received").isEqualTo(DELIVERED);
                    assertThat(metrics.sum("hookrelay_deliveries_total", "outcome", "delivered",
                            "event_type", "kyc.status_changed")).isEqualTo(DELIVERED / 2.0);
                    assertThat(metrics.sum("hookrelay_deliveries_total", "outcome", "retrying")).isEqualTo(FAILING);
                    assertThat(metrics.sum("hookrelay_deliveries_total", "outcome", "dead")).isEqualTo(1);
                    assertThat(metrics.sum("hookrelay_dispatcher_dead_letters_total", "reason", "gone")).isEqualTo(1);
                    assertThat(metrics.sum("hookrelay_dispatcher_dead_letters_total", "reason", "exhausted")).isZero();
                    assertThat(metrics.sum("hookrelay_attempt_latency_seconds_bucket", "le", "+Inf"))
                            .isEqualTo(DELIVERED + FAILING + 1);
                    assertThat(metrics.sum("hookrelay_attempt_latency_seconds_count")).isEqualTo(DELIVERED + FAILING + 1);
                    assertThat(metrics.sum("hookrelay_deliveries_in_flight")).isZero();
                    for (String reason : List.of("max_in_flight", "rate_limit")) {
                        assertThat(metrics.has("hookrelay_deliveries_parked_total", "reason", reason)).isTrue();
                        assertThat(metrics.sum("hookrelay_deliveries_parked_total", "reason", reason)).isZero();
                    }
                    assertThat(metrics.has("kafka_consumer_fetch_manager_records_lag_max"))
                            .as("the consumer's own Kafka meters").isTrue();
                    assertThat(metrics.has("jvm_memory_used_bytes")).isTrue();
                    await().atMost(WAIT).untilAsserted(() -> {
                        PrometheusText now = PrometheusText.parse(get(dispatcher, "/metrics").body());
                        for (int partition = 0; partition < 3; partition++) {
                            assertThat(now.has("hookrelay_consumer_lag", "group", DispatcherService.GROUP_ID,
                                    "topic", "webhooks.accepted", "partition", Integer.toString(partition))).isTrue();
                        }
                        assertThat(now.sum("hookrelay_consumer_lag", "group", DispatcherService.GROUP_ID))
                                .as("everything dispatched and committed").isZero();
                    });
                } finally {
                    dispatcher.close();
                }
            }

            List<String> secrets = new ArrayList<>(List.of(token, ok.secret(), failing.secret(), gone.secret()));
            for (Subscription s : List.of(ok, failing, gone)) {
                secrets.add(s.secret().substring("whsec_".length()));
            }
            List<String> deliveredIds = new ArrayList<>();
            for (Received r : receiver.received()) {
                String signature = r.header("webhook-signature");
                secrets.add(signature);
                secrets.add(signature.substring(signature.indexOf(',') + 1));
                if (r.path().startsWith("/ok")) {
                    deliveredIds.add(r.header("webhook-id"));
                }
            }
            List<LogCapture.Line> lines = log.lines();
            for (LogCapture.Line line : lines) {
                for (String secret : secrets) {
                    assertThat(line.text()).as("a %s line of %s", line.level(), line.logger()).doesNotContain(secret);
                }
            }
            assertThat(log.shownByDefault()).as("no line per successful delivery at the default level")
                    .noneMatch(l -> deliveredIds.stream().anyMatch(id -> l.text().contains(id)));
            assertThat(log.shownByDefault()).as("nor per retried one")
                    .noneMatch(l -> l.text().contains("subscription_id=" + failing.id()));
            String endpoint = "http://127.0.0.1:" + receiver.port();
            assertThat(lines).filteredOn(l -> l.text().startsWith("event=delivery.dead_lettered")).singleElement()
                    .satisfies(l -> assertThat(l.text()).startsWith("event=delivery.dead_lettered webhook_id=msg_")
                            .contains(" subscription_id=" + gone.id(), " event_id=gone-1", " attempt=1",
                                    " reason=gone", " status=410", " endpoint=" + endpoint + " "));
            assertThat(lines).extracting(LogCapture.Line::text).contains("event=endpoint.disabled subscription_id="
                    + gone.id() + " operator_id=op-gone endpoint=" + endpoint + " reason=\"endpoint answered 410 Gone\"");
            assertThat(lines).extracting(LogCapture.Line::text).anySatisfy(t -> assertThat(t)
                    .startsWith("event=partitions.assigned group=hookrelay-dispatcher client_id=hookrelay-dispatcher-")
                    .endsWith(" partitions=webhooks.accepted-0,webhooks.accepted-1,webhooks.accepted-2"));
        }
    }

    private static HttpResponse<String> get(DispatcherService dispatcher, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + dispatcher.httpPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }
}
