/**
 * The operator console: static files packaged in the jar and the routes that serve them, with the
 * security headers every console response carries. The console talks to the public API only.
 */
package io.hookrelay.console;
