package io.hookrelay.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import io.hookrelay.subscription.TargetPolicy;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Resolves endpoint hosts for the sender and drops the addresses the {@link TargetPolicy} refuses,
 * right before connecting: a subscription checked at creation could have been pointed at an
 * internal address since by changing its DNS (rebinding), so the check that counts is this one.
 */
final class PolicyDnsResolver implements DnsResolver {

    private final TargetPolicy policy;

    PolicyDnsResolver(TargetPolicy policy) {
        this.policy = policy;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] all = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        InetAddress[] allowed = Arrays.stream(all).filter(a -> !policy.refuses(a)).toArray(InetAddress[]::new);
        if (allowed.length == 0) {
            throw new RefusedTargetException("target refused: " + host + " resolves to "
                    + all[0].getHostAddress() + ", a private, loopback or link-local address;"
                    + " set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets");
        }
        return allowed;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}
