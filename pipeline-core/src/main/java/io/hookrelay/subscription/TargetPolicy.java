package io.hookrelay.subscription;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which endpoint URLs the pipeline may call. Refuses non-http(s) URLs, numeric hosts that resolvers
 * read differently (always), and, unless private targets are allowed, hosts that resolve to an
 * address that is not public ({@link AddressRule}), so a subscriber cannot make the pipeline probe
 * the operator's own network (SSRF). Checked when a subscription is written and again by the
 * sender's resolver at connect time, since DNS can change.
 */
public final class TargetPolicy {

    /** The advice every refusal of an address ends with. */
    static final String ALLOW_HINT = "set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets";

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
        if (uri.getUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            return Optional.of("must not carry credentials in the URL");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            // java.net.URI gives no host for 127.1 or 0x7f.0.0.1, which other parsers read as addresses.
            return hostOfAuthority(uri.getRawAuthority()).flatMap(AddressRule::ambiguousHost)
                    .or(() -> Optional.of("has no host"));
        }
        Optional<String> ambiguous = AddressRule.ambiguousHost(host);
        if (ambiguous.isPresent() || allowPrivate) {
            return ambiguous;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                Optional<String> refused = refusal(a);
                if (refused.isPresent()) {
                    return Optional.of("resolves to " + refused.get());
                }
            }
        } catch (UnknownHostException e) {
            return Optional.of("host '" + host + "' does not resolve");
        }
        return Optional.empty();
    }

    /**
     * Why the resolved address {@code a} may not be called, such as
     * {@code "10.0.0.1, a private address (10.0.0.0/8); set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true ..."},
     * or empty when it may.
     */
    public Optional<String> refusal(InetAddress a) {
        if (allowPrivate) {
            return Optional.empty();
        }
        return AddressRule.notPublic(a).map(why -> a.getHostAddress() + ", " + why + "; " + ALLOW_HINT);
    }

    /** Why a host name, as a request names it, is refused whatever the setting (see {@link AddressRule#ambiguousHost}). */
    public static Optional<String> hostProblem(String host) {
        return AddressRule.ambiguousHost(host);
    }

    private static Optional<String> hostOfAuthority(String authority) {
        if (authority == null || authority.isBlank()) {
            return Optional.empty();
        }
        int colon = authority.lastIndexOf(':');
        return Optional.of(colon < 0 ? authority : authority.substring(0, colon));
    }
}
