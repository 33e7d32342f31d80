package io.hookrelay.engine;

import java.time.Clock;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.SlotQueue;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes attempts, first or later alike: admits each through its subscription's limits
 * ({@link SlotQueue}: at once with a free slot, waiting in memory for one up to
 * {@link SlotQueue#WAIT_BEFORE_PARK}, parked on the shortest delay topic, same attempt, past that
 * or over its rate limit), sends it ({@link WebhookSender}), writes its outcome
 * ({@link DeliveryOutcomeWriter}) until Kafka has it, counts and logs it. Every piece of work is in
 * flight, against the service's limit, from its start until its outcome is durable; only then does
 * its future complete, which is when the record behind it may be committed. Nothing here blocks the
 * caller: work runs on the executor and on the HTTP and producer I/O threads.
 */
public final class AttemptRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);
    /** Pause between tries to write an outcome Kafka refused (ms); the record stays uncommitted meanwhile. */
    private static final long WRITE_RETRY_MS = 1000;

    private final WebhookSender sender;
    private final DeliveryOutcomeWriter writer;
    private final EngineMeters meters;
    private final Executor executor;
    private final Clock clock;
    private final SlotQueue<Due> slots;
    private volatile boolean closing;

    /**
     * @param name     the service, naming the slot queue's sweeper thread
     * @param executor runs everything that may block (resolving and leasing a connection, handing
     *                 records to the producer), so neither the poll thread nor an I/O thread does
     */
    public AttemptRunner(String name, SubscriptionLimiter limiter, WebhookSender sender, DeliveryOutcomeWriter writer,
                         EngineMeters meters, Executor executor, Clock clock) {
        this.sender = sender;
        this.writer = writer;
        this.meters = meters;
        this.executor = executor;
        this.clock = clock;
        this.slots = new SlotQueue<>(limiter, this::attempt, this::park, name + "-slot-sweeper");
    }

    /**
     * Attempts {@code due} for {@code s} once admitted, or parks it. Completes once its outcome (or
     * its park) is durable; fails only when closing with it unwritten: then it must not be committed.
     */
    public CompletableFuture<Void> submit(Due due, Subscription s) {
        return inFlight(() -> slots.submit(due, s));
    }

    /** Counts {@code work} in flight from now until it completes: the loop's backpressure reads it. */
    public CompletableFuture<Void> inFlight(Supplier<CompletableFuture<Void>> work) {
        meters.started();
        CompletableFuture<Void> f;
        try {
            f = work.get();
        } catch (RuntimeException e) {
            // The executor refused the task: we are closing.
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> meters.finished());
        return f;
    }

    /**
     * Writes a record on the executor (handing one to the producer can block) and again, after a
     * pause, whenever Kafka refuses it (its producer gave up after its own retries): the record
     * behind it stays uncommitted and in flight until it is durable, which also holds fetching back
     * while Kafka is unwell. Fails without writing once closing.
     *
     * @param what names it in the log line of a refused write
     */
    public <T> CompletableFuture<T> writeDurably(Supplier<CompletableFuture<T>> write, String what) {
        return CompletableFuture.supplyAsync(() -> durably(write, what), executor).thenCompose(Function.identity());
    }

    /** Attempts a due delivery holding a slot of its subscription; the permit goes back once the HTTP exchange ends. */
    private CompletableFuture<AttemptRecord> attempt(Due due, Subscription s, Permit permit) {
        Delivery d = due.delivery();
        CompletableFuture<AttemptResult> sent = CompletableFuture.supplyAsync(() -> sender.send(d, s), executor)
                .thenCompose(Function.identity());
        sent.whenComplete((result, e) -> permit.release());
        CompletableFuture<AttemptRecord> outcome = sent.thenComposeAsync(
                result -> durably(() -> writer.write(d, s, result), "the outcome of delivery " + d.webhookId()), executor);
        // This runs on the producer's I/O thread, which completes the write: only count here.
        outcome.thenAccept(meters::attempted);
        outcome.thenAccept(r -> {
            // Only what is logged gets a hop to the executor (logging may block; this is the
            // producer's I/O thread): a delivered attempt, the common case, logs nothing at INFO.
            if (r.outcome() == Outcome.DEAD || log.isDebugEnabled()) {
                executor.execute(() -> logOutcome(r));
            }
        });
        return outcome;
    }

    /**
     * Parks a delivery its subscription's limit refused on the shortest delay topic, same attempt,
     * due when that limit allows another try: no attempt, no attempt record.
     */
    private CompletableFuture<Void> park(Due due, Subscription s, Refusal refusal) {
        Delivery d = due.delivery();
        long dueAt = refusal.dueAt(clock.millis());
        CompletableFuture<Void> parked = writeDurably(
                () -> writer.park(d, dueAt, due.lastStatus(), due.lastError(), refusal.limit()),
                "the parked delivery " + d.webhookId());
        parked.thenRun(() -> meters.parked(refusal.limit()));
        return parked;
    }

    private <T> CompletableFuture<T> durably(Supplier<CompletableFuture<T>> write, String what) {
        if (closing) {
            // Cut off by our own shutdown: write nothing and leave the record uncommitted; its
            // next owner attempts it again, same webhook-id.
            return CompletableFuture.failedFuture(new CancellationException("closing"));
        }
        return write.get().exceptionallyCompose(e -> {
            if (closing) {
                return CompletableFuture.failedFuture(e);
            }
            log.warn("Could not write {} to Kafka; trying again in {} ms", what, WRITE_RETRY_MS, e);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(WRITE_RETRY_MS, TimeUnit.MILLISECONDS, executor))
                    .thenCompose(x -> durably(write, what));
        });
    }

    /**
     * From now on, writes no more outcomes and stops retrying those that failed, so closing can
     * finish; deliveries still waiting for a slot are dropped uncommitted (their next owner attempts
     * them, same webhook-id).
     */
    @Override
    public void close() {
        closing = true;
        slots.close();
    }

    private static void logOutcome(AttemptRecord r) {
        // Every attempt is on webhooks.attempts; the log only calls out deliveries that ended dead,
        // so an outage at one subscriber does not flood it. The endpoint is scheme://host[:port]:
        // never a path or query, which can hold the subscriber's own tokens.
        if (r.outcome() == Outcome.DEAD) {
            log.info("{}", LogLine.event("delivery.dead_lettered").with("webhook_id", r.webhookId())
                    .with("subscription_id", r.subscriptionId()).with("operator_id", r.operatorId())
                    .with("event_id", r.eventId()).with("event_type", r.eventType()).with("attempt", r.attempt())
                    .with("reason", r.deadReason()).with("status", r.status()).with("endpoint", r.endpoint())
                    .with("error", r.error()));
        } else if (log.isDebugEnabled()) {
            log.debug("{}", LogLine.event("delivery.attempted").with("webhook_id", r.webhookId())
                    .with("subscription_id", r.subscriptionId()).with("attempt", r.attempt())
                    .with("outcome", r.outcome().wire()).with("status", r.status()).with("latency_ms", r.latencyMs())
                    .with("lateness_ms", r.latenessMs()).with("endpoint", r.endpoint()).with("error", r.error()));
        }
    }
}
