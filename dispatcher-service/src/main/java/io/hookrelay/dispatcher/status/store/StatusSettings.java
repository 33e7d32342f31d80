package io.hookrelay.dispatcher.status.store;

import java.time.Duration;

import io.hookrelay.config.PipelineConfig;

/**
 * The settings of the status stores and the endpoint guard, read once from the configuration.
 *
 * @param retention          how long a delivery stays in the log after its first attempt
 * @param disableAfter       how long every attempt must have failed before a subscription is disabled
 * @param failingAlertAfter  consecutive failed attempts that raise {@code endpoint.failing}
 * @param housekeeping       how often expiry and the disable rule run (wall-clock)
 */
public record StatusSettings(Duration retention, Duration disableAfter, int failingAlertAfter, Duration housekeeping) {

    /** Housekeeping runs at least this often: the disable rule then acts within a minute of its due time. */
    static final Duration MAX_HOUSEKEEPING = Duration.ofSeconds(60);
    /** And no more often than this, however short the periods (tests shorten them to seconds). */
    static final Duration MIN_HOUSEKEEPING = Duration.ofMillis(100);

    public static StatusSettings from(PipelineConfig config) {
        Duration retention = config.get(PipelineConfig.STATUS_RETENTION);
        Duration disableAfter = config.get(PipelineConfig.DISABLE_AFTER);
        // A twentieth of the shorter period: the rule fires at most 5% late.
        Duration shorter = retention.compareTo(disableAfter) < 0 ? retention : disableAfter;
        Duration every = shorter.dividedBy(20);
        if (every.compareTo(MAX_HOUSEKEEPING) > 0) {
            every = MAX_HOUSEKEEPING;
        }
        if (every.compareTo(MIN_HOUSEKEEPING) < 0) {
            every = MIN_HOUSEKEEPING;
        }
        return new StatusSettings(retention, disableAfter, config.get(PipelineConfig.FAILING_ALERT_AFTER), every);
    }
}
