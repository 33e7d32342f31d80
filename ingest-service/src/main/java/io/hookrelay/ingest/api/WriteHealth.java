package io.hookrelay.ingest.api;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the API's last write to Kafka got through: a producer has no connected flag of its own,
 * so the outcome of real writes is the most direct evidence that it can write.
 */
final class WriteHealth {

    private final AtomicBoolean lastFailed = new AtomicBoolean(false);

    void succeeded() {
        lastFailed.set(false);
    }

    void failed() {
        lastFailed.set(true);
    }

    /** True until a write fails, and again once one succeeds. */
    boolean writable() {
        return !lastFailed.get();
    }
}
