/**
 * The one delivery engine behind first attempts and retries alike: the committing consumer loop
 * ({@link io.hookrelay.engine.CommittingLoop}: poll, hand on, commit the durable prefix, hold
 * partitions whose head is not due, back off past the in-flight limit, drain, rebalance, health),
 * the attempt runner ({@link io.hookrelay.engine.AttemptRunner}: admit, send, write the outcome
 * until durable, count, log) and the service runtime ({@link io.hookrelay.engine.DeliveryEngine}:
 * its clients and their close order). What a service does with a record is its
 * {@link io.hookrelay.engine.Intake}, the one small place where a first attempt and a retry differ.
 */
package io.hookrelay.engine;
