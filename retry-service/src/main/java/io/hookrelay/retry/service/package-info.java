/**
 * The retry-service: the delay tiers ({@code webhooks.retry.<delay>}), the later attempts, and the
 * dead-letter topic. {@link io.hookrelay.retry.service.RetryService} is the composition root, on
 * the delivery engine the dispatcher also runs on ({@link io.hookrelay.engine}: its poll loop waits
 * for due times by pausing partitions, its attempt runner makes the attempts and writes their
 * outcomes); {@code RetryAttempts} is what a retry does that a first attempt does not,
 * {@code TierRecords} decides what an unreadable record becomes.
 *
 * <p>Decisions where the contract is silent:
 * <ul>
 *   <li>Waiting: a record not yet due is sought back to and its partition paused until the record's
 *       due time (never held in memory, never slept on). Everything behind it in the partition
 *       waits too, even a record due sooner (a Retry-After push can put one on a shorter tier than
 *       its wait): late, never early. Each partition waits on its own.</li>
 *   <li>The due time is the later of the value's {@code due_at} and the {@code webhooks.due-at}
 *       header; both come from the same writer, and the later one is the one that is never early.</li>
 *   <li>Unreadable ({@code invalid}): a value that is not a JSON delivery (including a tombstone),
 *       or a missing {@code webhook-id} or {@code webhooks.due-at} header. The dead letter keeps
 *       key, value and headers as they were and adds {@code webhooks.dead-reason},
 *       {@code webhooks.error} and {@code webhooks.original-topic/-partition/-offset}. Should the
 *       copy be too large for the topic, it is written without its value and the error says
 *       where the original is.</li>
 *   <li>Deleted or disabled subscription: dead-lettered without a request; the letter's
 *       {@code webhooks.attempt} is the last attempt made (one less than the one it waited for) and
 *       its last status and error are those the delay record carried. No attempt record, since no
 *       attempt was made.</li>
 *   <li>Limits: {@code WEBHOOKS_MAX_IN_FLIGHT} applies to this service's own attempts, with its own
 *       HTTP client and pools, apart from the dispatcher's. Each subscription's own
 *       {@code max_in_flight} and {@code rate_limit_per_second} are checked before every attempt;
 *       over one, the delivery is parked again on the shortest tier, same attempt, no attempt
 *       record. A parked first delivery (attempt 1) is attempted here like any other; its failure
 *       goes on to attempt 2 on the schedule.</li>
 *   <li>Lateness: attempted minus due, on every attempt record ({@code lateness_ms}) and as the
 *       histogram {@code hookrelay_retry_lateness_seconds} (fixed buckets from 5 ms to 1 h, so
 *       instances aggregate with {@code histogram_quantile}).</li>
 *   <li>Logs: one INFO line per dead-lettered delivery (ids, reason, {@code scheme://host[:port]},
 *       never a path, query or secret), none per success.</li>
 * </ul>
 */
package io.hookrelay.retry.service;
