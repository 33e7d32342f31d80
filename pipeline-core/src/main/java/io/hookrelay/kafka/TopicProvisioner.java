package io.hookrelay.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Topics;
import io.hookrelay.retry.RetrySchedule;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the contract's topics (§2) when they are missing, with the configured partition count
 * and the cluster's default replication factor. Existing topics are left as they are.
 *
 * <p>{@code webhooks.accepted} is the pipeline's event store: resend and recover read events back
 * from it. Created here, it keeps events for the delivery log's retention plus a day
 * ({@link #eventRetention}), so every delivery the log lists can be sent again; an existing topic
 * with a shorter {@code retention.ms} is kept, with a warning saying what it costs.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /** The margin {@code webhooks.accepted} keeps events beyond the delivery log's retention. */
    static final Duration EVENT_RETENTION_MARGIN = Duration.ofDays(1);

    /** How long {@code webhooks.accepted} keeps events for a delivery log that keeps deliveries {@code statusRetention}. */
    public static Duration eventRetention(Duration statusRetention) {
        return statusRetention.plus(EVENT_RETENTION_MARGIN);
    }

    /** Every topic the pipeline uses with the given retry schedule; {@code webhooks.accepted} at the broker's default retention. */
    public static List<NewTopic> topics(int partitions, RetrySchedule schedule) {
        return topics(partitions, schedule, null);
    }

    /**
     * Every topic the pipeline uses with the given retry schedule.
     *
     * @param eventRetention the {@code retention.ms} of {@code webhooks.accepted}; null for the broker's default
     */
    public static List<NewTopic> topics(int partitions, RetrySchedule schedule, Duration eventRetention) {
        List<NewTopic> out = new ArrayList<>();
        for (String t : Topics.EVENT_TOPICS) {
            out.add(topic(t, partitions));
        }
        out.add(topic(Topics.EVENTS_REJECTED, partitions));
        NewTopic accepted = topic(Topics.ACCEPTED, partitions);
        if (eventRetention != null) {
            accepted.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(eventRetention.toMillis())));
        }
        out.add(accepted);
        // Compacted: the latest value per subscription id is the truth; tombstones delete.
        out.add(topic(Topics.SUBSCRIPTIONS, partitions).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")));
        for (String t : schedule.topics()) {
            out.add(topic(t, partitions));
        }
        out.add(topic(Topics.DLQ, partitions));
        out.add(topic(Topics.ATTEMPTS, partitions));
        out.add(topic(Topics.ALERTS, partitions));
        return out;
    }

    /**
     * Creates what the configuration needs and is missing ({@code KAFKA_BOOTSTRAP_SERVERS},
     * {@code WEBHOOKS_PARTITIONS}, {@code WEBHOOKS_RETRY_SCHEDULE}, and {@code webhooks.accepted}
     * kept for {@link #eventRetention} of {@code WEBHOOKS_STATUS_RETENTION}); waits at most 60 s.
     */
    public static void ensure(PipelineConfig config) {
        ensure(config.bootstrapServers(), config.get(PipelineConfig.PARTITIONS), config.get(PipelineConfig.RETRY_SCHEDULE),
                eventRetention(config.get(PipelineConfig.STATUS_RETENTION)));
    }

    /** Creates what is missing, {@code webhooks.accepted} at the broker's default retention; waits at most 60 s. */
    public static void ensure(String bootstrap, int partitions, RetrySchedule schedule) {
        ensure(bootstrap, partitions, schedule, null);
    }

    private static void ensure(String bootstrap, int partitions, RetrySchedule schedule, Duration eventRetention) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            if (eventRetention != null && existing.contains(Topics.ACCEPTED)) {
                warnIfShorter(admin, eventRetention);
            }
            List<NewTopic> missing = topics(partitions, schedule, eventRetention).stream()
                    .filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
            log.info("Created topics {}", missing.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the pipeline's topics on " + bootstrap + ": " + e.getMessage(), e);
        }
    }

    /** Says so when an existing {@code webhooks.accepted} deletes events before the delivery log forgets them. */
    private static void warnIfShorter(Admin admin, Duration wanted)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ACCEPTED);
        ConfigEntry e = admin.describeConfigs(List.of(topic)).all().get(60, TimeUnit.SECONDS).get(topic)
                .get(TopicConfig.RETENTION_MS_CONFIG);
        long ms;
        try {
            ms = e == null || e.value() == null ? -1 : Long.parseLong(e.value());
        } catch (NumberFormatException x) {
            return;
        }
        if (ms >= 0 && ms < wanted.toMillis()) {
            log.warn("{} keeps events {} (retention.ms={}), less than the {} resend and recover need "
                            + "(WEBHOOKS_STATUS_RETENTION plus a day): older deliveries will be listed but cannot be sent "
                            + "again. Raise it with kafka-configs --alter --entity-type topics --entity-name {} "
                            + "--add-config retention.ms={}", Topics.ACCEPTED, Duration.ofMillis(ms), ms, wanted,
                    Topics.ACCEPTED, wanted.toMillis());
        }
    }

    /**
     * Waits until every partition of the new topics has a leader. Producing to a topic whose
     * leaders are not elected yet gets NOT_LEADER_OR_FOLLOWER retries, and under load an
     * idempotent producer can then wedge on OUT_OF_ORDER_SEQUENCE_NUMBER: better to start once
     * the topics are really there.
     */
    private static void awaitLeaders(Admin admin, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                ready = false; // metadata not propagated yet: UnknownTopicOrPartition
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + names + " still have no leader after 60 s");
            }
            Thread.sleep(50);
        }
    }

    private static NewTopic topic(String name, int partitions) {
        return new NewTopic(name, Optional.of(partitions), Optional.empty());
    }
}
