/**
 * Delivering one event to one subscription: the {@link io.hookrelay.delivery.Delivery} value that
 * travels through the retry and dead-letter topics, the signed HTTP attempt
 * ({@link io.hookrelay.delivery.WebhookSender}), its classification
 * ({@link io.hookrelay.delivery.AttemptResult}), and the durable record of what happened next
 * ({@link io.hookrelay.delivery.DeliveryOutcomeWriter}), and each subscription's own limits on
 * attempts ({@link io.hookrelay.delivery.SubscriptionLimiter}). Shared by the dispatcher (first attempts)
 * and the retry-service (later attempts); it knows nothing of either.
 */
package io.hookrelay.delivery;
