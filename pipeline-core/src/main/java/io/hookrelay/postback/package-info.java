/**
 * Postback templates (issue 6, in progress): URLs and bodies with macros naming event fields, as
 * affiliate trackers expect, parsed and checked when a subscription is written and rendered per
 * delivery. A JSON body template uses the {@code {{name}}} or {@code #name#} dialect, since JSON is
 * itself made of braces. Not yet wired to subscriptions or the sender.
 */
package io.hookrelay.postback;
