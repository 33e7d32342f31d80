package io.hookrelay.engine;

import io.hookrelay.delivery.Delivery;

/**
 * A delivery whose attempt is due, with what its last attempt left: a park carries them on, so a
 * delivery parked again (at its subscription's limit) still reports its last status and error.
 *
 * @param lastStatus the last attempt's HTTP status, 0 for none (a first attempt, or no answer)
 * @param lastError  the last attempt's error, null for none
 */
public record Due(Delivery delivery, int lastStatus, String lastError) {

    /** A first attempt: nothing came before it. */
    public static Due first(Delivery delivery) {
        return new Due(delivery, 0, null);
    }
}
