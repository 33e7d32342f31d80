package io.hookrelay.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
        Optional<String> spelling = TargetPolicy.hostProblem(host);
        if (spelling.isPresent()) {
            throw new RefusedTargetException("target refused: the URL " + spelling.get());
        }
        InetAddress[] all = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        List<InetAddress> allowed = new ArrayList<>(all.length);
        String firstRefusal = null;
        for (InetAddress a : all) {
            Optional<String> refused = policy.refusal(a);
            if (refused.isEmpty()) {
                allowed.add(a);
            } else if (firstRefusal == null) {
                firstRefusal = refused.get();
            }
        }
        if (allowed.isEmpty()) {
            throw new RefusedTargetException("target refused: " + host + " resolves to " + firstRefusal);
        }
        return allowed.toArray(InetAddress[]::new);
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}
