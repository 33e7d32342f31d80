/**
 * Resend and recover: a delivery of the log, or a subscription's failed deliveries since a time,
 * sent again under its own {@code webhook-id}, its event read back from {@code webhooks.accepted}
 * ({@link io.hookrelay.dispatcher.status.redelivery.AcceptedEvents}) and written to the first retry
 * tier, due at once, for the retry-service to attempt. The body a delivery sends is read back the
 * same way, for the delivery log ({@link io.hookrelay.dispatcher.status.redelivery.DeliveryBodies}).
 */
package io.hookrelay.dispatcher.status.redelivery;
