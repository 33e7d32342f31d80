package io.hookrelay.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hookrelay.contract.Topics;
import io.hookrelay.retry.RetrySchedule;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the contract's topics (§2) when they are missing, with the configured partition count
 * and the cluster's default replication factor. Existing topics are left as they are.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /** Every topic the pipeline uses with the given retry schedule. */
    public static List<NewTopic> topics(int partitions, RetrySchedule schedule) {
        List<NewTopic> out = new ArrayList<>();
        for (String t : Topics.EVENT_TOPICS) {
            out.add(topic(t, partitions));
        }
        out.add(topic(Topics.EVENTS_REJECTED, partitions));
        out.add(topic(Topics.ACCEPTED, partitions));
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

    /** Creates what is missing; waits at most 60 s. */
    public static void ensure(String bootstrap, int partitions, RetrySchedule schedule) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = topics(partitions, schedule).stream()
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
