package io.hookrelay.dispatcher.status.guard;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hookrelay.contract.Json;
import io.hookrelay.dispatcher.status.store.SubscriptionHealth;

/**
 * An operator-visible alert on {@code webhooks.alerts} (key: subscription id). Wire contract: the
 * type names and JSON field names below are what operators' own alerting reads.
 */
final class Alert {

    /** The endpoint has failed {@code WEBHOOKS_FAILING_ALERT_AFTER} attempts in a row; once per failing streak. */
    static final String ENDPOINT_FAILING = "endpoint.failing";
    /** Every attempt has failed for {@code WEBHOOKS_DISABLE_AFTER}; the subscription was disabled. */
    static final String ENDPOINT_DISABLED = "endpoint.disabled";

    private Alert() {
    }

    /** {@code {"type", "subscription_id", "operator_id", "failing_since", "consecutive_failures", "last_error", "at"}}, times in ISO-8601 UTC. */
    static byte[] json(String type, SubscriptionHealth h, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("subscription_id", h.subscriptionId());
        m.put("operator_id", h.operatorId());
        m.put("failing_since", h.failingSince() == null ? null : Instant.ofEpochMilli(h.failingSince()));
        m.put("consecutive_failures", h.consecutiveFailures());
        m.put("last_error", h.lastError());
        m.put("at", at);
        return Json.bytes(m);
    }
}
