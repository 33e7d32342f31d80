/**
 * Postback templates: URLs and bodies with macros naming event fields, as affiliate trackers
 * expect, parsed and checked when a subscription is written and rendered per delivery by the
 * sender. A JSON body template uses the {@code {{name}}} or {@code #name#} dialect, since JSON is
 * itself made of braces.
 */
package io.hookrelay.postback;
