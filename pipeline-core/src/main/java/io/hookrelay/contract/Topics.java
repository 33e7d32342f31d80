package io.hookrelay.contract;

import java.util.List;

/**
 * Topic names of the product contract (contract §2). Wire contract: outside producers, consumers
 * and ops scripts use these names; change them only with the contract.
 */
public final class Topics {

    /** Prefix of the topics operators produce to, one per event family: {@code events.<family>}. */
    public static final String EVENTS_PREFIX = "events.";
    public static final String EVENTS_CONVERSION = "events.conversion";
    public static final String EVENTS_KYC = "events.kyc";
    public static final String EVENTS_CHARGEBACK = "events.chargeback";
    public static final String EVENTS_COMMISSION = "events.commission";
    public static final String EVENTS_AFFILIATE = "events.affiliate";
    public static final List<String> EVENT_TOPICS =
            List.of(EVENTS_CONVERSION, EVENTS_KYC, EVENTS_CHARGEBACK, EVENTS_COMMISSION, EVENTS_AFFILIATE);

    public static final String EVENTS_REJECTED = "events.rejected";
    public static final String ACCEPTED = "webhooks.accepted";
    public static final String SUBSCRIPTIONS = "webhooks.subscriptions";
    /** Prefix of the delay tiers: {@code webhooks.retry.5s}, {@code webhooks.retry.5m}, ... */
    public static final String RETRY_PREFIX = "webhooks.retry.";
    public static final String DLQ = "webhooks.dlq";
    public static final String ATTEMPTS = "webhooks.attempts";
    public static final String ALERTS = "webhooks.alerts";

    private Topics() {
    }
}
