package io.hookrelay.dispatcher.status.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.EventPosition;
import org.junit.jupiter.api.Test;

/** One delivery's entry on its own: which input wins, and what is kept. */
class DeliveryStatusTest {

    private static AttemptRecord attempt(int n, long at, Outcome outcome, String excerpt) {
        return new AttemptRecord("msg_1", "sub_1", "op", "e-1", "conversion.ftd", n, at, at, 0,
                outcome == Outcome.DELIVERED ? 200 : 500, 10, outcome == Outcome.DELIVERED ? null : "HTTP 500", excerpt,
                outcome, outcome == Outcome.RETRYING ? at + 5_000 : null, outcome == Outcome.DEAD ? "exhausted" : null,
                "http://h");
    }

    private static StatusInput.DeadLetter letter(long at, String reason) {
        return new StatusInput.DeadLetter("msg_1", "sub_1", "op", "e-1", "conversion.ftd", 1, 1_000, at, reason, 500,
                "HTTP 500", null);
    }

    @Test
    void theEventPositionIsKeptFromTheFirstInputThatNamesIt() {
        EventPosition at = new EventPosition("webhooks.accepted", 2, 40);
        AttemptRecord a = attempt(1, 1_000, Outcome.RETRYING, "");
        AttemptRecord withPosition = new AttemptRecord(a.webhookId(), a.subscriptionId(), a.operatorId(), a.eventId(),
                a.eventType(), a.attempt(), a.attemptedAt(), a.dueAt(), a.latenessMs(), a.status(), a.latencyMs(),
                a.error(), a.responseExcerpt(), a.outcome(), a.nextDueAt(), a.deadReason(), a.endpoint(), null, at);

        // A dead letter without a position (written before positions were kept) comes first.
        DeliveryStatus d = DeliveryStatus.apply(null, StatusInput.of(letter(500, "exhausted")));
        assertThat(d.eventPosition()).isNull();
        d = DeliveryStatus.apply(d, StatusInput.of(withPosition));
        assertThat(d.eventPosition()).isEqualTo(at);
        // Later inputs without one, even ones that lose on time, do not forget it.
        d = DeliveryStatus.apply(d, StatusInput.of(attempt(2, 9_000, Outcome.DELIVERED, "")));
        d = DeliveryStatus.apply(d, StatusInput.of(letter(100, "exhausted")));
        assertThat(d.eventPosition()).isEqualTo(at);
        assertThat(d.state()).isEqualTo("delivered");
    }

    @Test
    void aDeadLetterAfterARetryingAttemptMakesItDeadAndARedriveRevivesIt() {
        DeliveryStatus d = DeliveryStatus.apply(null, StatusInput.of(attempt(1, 1_000, Outcome.RETRYING, "")));
        d = DeliveryStatus.apply(d, StatusInput.of(letter(9_000, "endpoint-disabled")));
        assertThat(d.state()).isEqualTo("dead");
        assertThat(d.deadReason()).isEqualTo("endpoint-disabled");

        d = DeliveryStatus.apply(d, StatusInput.of(attempt(2, 20_000, Outcome.DELIVERED, "")));

        assertThat(d.state()).isEqualTo("delivered");
        assertThat(d.deadReason()).isNull();
        assertThat(d.createdAt()).isEqualTo(1_000);
        assertThat(d.attemptCount()).isEqualTo(2);
    }

    @Test
    void anAttemptReadAfterALaterDeadLetterDoesNotUndoIt() {
        DeliveryStatus d = DeliveryStatus.apply(null, StatusInput.of(letter(9_000, "endpoint-deleted")));
        d = DeliveryStatus.apply(d, StatusInput.of(attempt(1, 1_000, Outcome.RETRYING, "")));

        assertThat(d.state()).isEqualTo("dead");
        assertThat(d.attempts()).hasSize(1);
    }

    @Test
    void keepsTheLatestAttemptsAndCapsExcerptsWithoutSplittingACharacter() {
        String excerpt = "é".repeat(600);
        DeliveryStatus d = null;
        for (int n = 1; n <= DeliveryStatus.MAX_ATTEMPTS + 5; n++) {
            d = DeliveryStatus.apply(d, StatusInput.of(attempt(n, n * 1_000L, Outcome.RETRYING, excerpt)));
        }

        assertThat(d.attemptCount()).isEqualTo(DeliveryStatus.MAX_ATTEMPTS + 5);
        assertThat(d.attempts()).hasSize(DeliveryStatus.MAX_ATTEMPTS);
        assertThat(d.attempts().get(0).attempt()).isEqualTo(6);
        assertThat(d.attempts().get(0).responseExcerpt()).isEqualTo("é".repeat(512));
    }
}
