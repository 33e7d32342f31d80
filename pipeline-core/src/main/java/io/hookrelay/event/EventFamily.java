package io.hookrelay.event;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.hookrelay.contract.Topics;

/** The five event families of contract §3: their event types, their topic and their ordering key. */
public enum EventFamily {
    CONVERSION("conversion", List.of("conversion.registration", "conversion.ftd", "conversion.deposit",
            "conversion.qualified", "conversion.purchase")),
    KYC("kyc", List.of("kyc.status_changed")),
    CHARGEBACK("chargeback", List.of("chargeback.filed")),
    COMMISSION("commission", List.of("commission.pending", "commission.approved", "commission.reversed")),
    AFFILIATE("affiliate", List.of("affiliate.status_changed"));

    private final String wireName;
    private final List<String> eventTypes;

    EventFamily(String wireName, List<String> eventTypes) {
        this.wireName = wireName;
        this.eventTypes = eventTypes;
    }

    /** {@code conversion}, {@code kyc}, ... as in topic names and event type prefixes. */
    public String wireName() {
        return wireName;
    }

    public List<String> eventTypes() {
        return eventTypes;
    }

    public String topic() {
        return Topics.EVENTS_PREFIX + wireName;
    }

    /** The field whose value keys the event's records: {@code affiliate_id} for affiliate events, else {@code player_ref}. */
    public String orderingKeyField() {
        return this == AFFILIATE ? EventFields.AFFILIATE_ID : EventFields.PLAYER_REF;
    }

    public static Optional<EventFamily> ofEventType(String eventType) {
        return Arrays.stream(values()).filter(f -> f.eventTypes.contains(eventType)).findFirst();
    }

    public static Optional<EventFamily> ofWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst();
    }

    public static Optional<EventFamily> ofTopic(String topic) {
        return topic.startsWith(Topics.EVENTS_PREFIX) ? ofWireName(topic.substring(Topics.EVENTS_PREFIX.length()))
                : Optional.empty();
    }

    /** Every event type of every family, in contract order. */
    public static List<String> allEventTypes() {
        return Arrays.stream(values()).flatMap(f -> f.eventTypes.stream()).toList();
    }
}
