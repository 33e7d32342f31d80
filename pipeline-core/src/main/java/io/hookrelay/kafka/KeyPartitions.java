package io.hookrelay.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.utils.Utils;

/**
 * The partition a string key maps to among {@code partitions}: what Kafka's default partitioner
 * gives a producer sending that key (murmur2 of its UTF-8 bytes), and what a Kafka Streams
 * repartition by that key gives. The pipeline places records with it so that a Streams app finds
 * what belongs together already in one partition and needs no repartition of its own: ingest
 * deduplicates in an event's ordering-key partition, and the status app keeps a subscription's
 * attempts and dead letters in its subscription id's.
 */
public final class KeyPartitions {

    private KeyPartitions() {
    }

    public static int of(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
