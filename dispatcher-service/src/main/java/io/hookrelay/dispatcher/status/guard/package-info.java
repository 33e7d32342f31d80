/**
 * The endpoint guard: from a subscription's health, when it is failing (an alert on
 * {@code webhooks.alerts}), when it is to be disabled (every attempt failed for
 * {@code WEBHOOKS_DISABLE_AFTER}), and when a re-enabled one counts afresh. The status app asks it
 * as attempts arrive and on its wall-clock punctuator; the health query shows when it would disable.
 */
package io.hookrelay.dispatcher.status.guard;
