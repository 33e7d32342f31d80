package io.hookrelay.subscription;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which endpoint URLs the pipeline may call. Refuses non-http(s) URLs and, unless private targets
 * are allowed, hosts that resolve to private, loopback, link-local or otherwise internal addresses,
 * so a subscriber cannot make the pipeline probe the operator's own network (SSRF). Checked when a
 * subscription is written and again by the sender's resolver at connect time, since DNS can change.
 */
public final class TargetPolicy {

    private final boolean allowPrivate;

    public TargetPolicy(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    public boolean allowPrivate() {
        return allowPrivate;
    }

    /** What is wrong with {@code url} as a webhook target, or empty when it may be used. */
    public Optional<String> problem(String url) {
        if (url == null || url.isBlank()) {
            return Optional.of("is required");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            return Optional.of("must be an http or https URL, got scheme '" + scheme + "'");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            return Optional.of("has no host");
        }
        if (uri.getUserInfo() != null) {
            return Optional.of("must not carry credentials in the URL");
        }
        if (allowPrivate) {
            return Optional.empty();
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
                if (isInternal(a)) {
                    return Optional.of("resolves to " + a.getHostAddress() + ", a private, loopback or link-local address;"
                            + " set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets");
                }
            }
        } catch (UnknownHostException e) {
            return Optional.of("host '" + uri.getHost() + "' does not resolve");
        }
        return Optional.empty();
    }

    /** Whether a resolved address may not be called. */
    public boolean refuses(InetAddress a) {
        return !allowPrivate && isInternal(a);
    }

    static boolean isInternal(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        return first == 0 || (first == 100 && second >= 64 && second < 128) // 100.64/10 carrier-grade NAT
                || (first == 198 && (second == 18 || second == 19)); // 198.18/15 benchmarking
    }
}
