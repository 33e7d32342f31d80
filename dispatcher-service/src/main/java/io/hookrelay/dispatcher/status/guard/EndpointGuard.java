package io.hookrelay.dispatcher.status.guard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.hookrelay.dispatcher.status.store.StatusSettings;
import io.hookrelay.dispatcher.status.store.SubscriptionHealth;
import io.hookrelay.subscription.Subscription;

/**
 * The rule for endpoints that keep failing (issue 4, item 3), applied to a subscription's health:
 *
 * <ul>
 *   <li>{@code endpoint.failing} once per failing streak, when it reaches
 *       {@code WEBHOOKS_FAILING_ALERT_AFTER} consecutive failed attempts;</li>
 *   <li>disabled, with {@code endpoint.disabled}, when every attempt has failed for
 *       {@code WEBHOOKS_DISABLE_AFTER}. The clock starts at the first failure after the last
 *       success, or at the subscription's last change ({@code updated_at}) when that is later: an
 *       owner who re-enables or edits a failing subscription gets a full period again;</li>
 *   <li>once this guard has disabled a subscription, seeing it enabled again (with an
 *       {@code updated_at} after the disable) ends the streak: counting starts afresh.</li>
 * </ul>
 * Any success ends the streak. Time comes from the injected clock.
 */
public final class EndpointGuard {

    private final Duration disableAfter;
    private final int failingAlertAfter;
    private final Clock clock;

    public EndpointGuard(StatusSettings settings, Clock clock) {
        this.disableAfter = settings.disableAfter();
        this.failingAlertAfter = settings.failingAlertAfter();
        this.clock = clock;
    }

    /** What disabling a subscription writes: the subscription, disabled, and the alert. */
    public record Disable(Subscription disabled, byte[] alert) {
    }

    /**
     * Ends the streak when {@code current} shows the subscription enabled again after this guard
     * disabled it. Until our own disable has come back through the topic, the catalog still holds the
     * version from before it, whose {@code updated_at} is older than the disable: that is not a re-enable.
     *
     * @return whether {@code h} changed
     */
    public boolean restartIfReEnabled(SubscriptionHealth h, Optional<Subscription> current) {
        if (h.autoDisabledAt() == null || current.isEmpty() || !current.get().enabled()) {
            return false;
        }
        Instant updated = current.get().updatedAt();
        if (updated == null || updated.toEpochMilli() <= h.autoDisabledAt()) {
            return false;
        }
        h.restartStreak();
        return true;
    }

    /** The {@code endpoint.failing} alert when the streak has just reached the threshold; marks it written. */
    public Optional<byte[]> failingAlert(SubscriptionHealth h) {
        if (h.failingAlerted() || h.consecutiveFailures() < failingAlertAfter) {
            return Optional.empty();
        }
        h.markFailingAlerted();
        return Optional.of(Alert.json(Alert.ENDPOINT_FAILING, h, clock.instant()));
    }

    /** When the streak has lasted the disable period: what to write; marks {@code h} disabled by us. */
    public Optional<Disable> disable(SubscriptionHealth h, Optional<Subscription> current) {
        Instant now = clock.instant();
        Optional<Instant> at = disablesAt(h, current);
        if (at.isEmpty() || now.isBefore(at.get())) {
            return Optional.empty();
        }
        Instant since = Instant.ofEpochMilli(h.failingSince());
        String reason = "disabled automatically: every delivery attempt has failed since " + since + " ("
                + h.consecutiveFailures() + " in a row, last error: " + h.lastError() + "), longer than "
                + "WEBHOOKS_DISABLE_AFTER (" + disableAfter + "); enable it again once the endpoint is fixed";
        Subscription disabled = current.get().withEnabled(false, reason, now);
        h.markAutoDisabled(now.toEpochMilli());
        return Optional.of(new Disable(disabled, Alert.json(Alert.ENDPOINT_DISABLED, h, now)));
    }

    /** When the subscription will be disabled if nothing succeeds before; empty when it is not on course to be. */
    public Optional<Instant> disablesAt(SubscriptionHealth h, Optional<Subscription> current) {
        if (h.failingSince() == null || h.autoDisabledAt() != null || current.isEmpty() || !current.get().enabled()) {
            return Optional.empty();
        }
        long start = h.failingSince();
        Instant updated = current.get().updatedAt();
        if (updated != null && updated.toEpochMilli() > start) {
            start = updated.toEpochMilli();
        }
        return Optional.of(Instant.ofEpochMilli(start).plus(disableAfter));
    }
}
