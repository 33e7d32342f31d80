package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hookrelay.subscription.TargetPolicy;
import org.junit.jupiter.api.Test;

/** The connect-time check applies the same address rule as subscription writes. */
class PolicyDnsResolverTest {

    private final PolicyDnsResolver strict = new PolicyDnsResolver(new TargetPolicy(false));
    private final PolicyDnsResolver allowing = new PolicyDnsResolver(new TargetPolicy(true));

    @Test
    void refusesAnAddressEmbeddingAPrivateOneAtConnectTime() {
        assertThatThrownBy(() -> strict.resolve("64:ff9b::a9fe:a9fe"))
                .isInstanceOf(RefusedTargetException.class)
                .hasMessageStartingWith("target refused: 64:ff9b::a9fe:a9fe resolves to 64:ff9b:0:0:0:0:a9fe:a9fe,"
                        + " a NAT64 address embedding 169.254.169.254, a link-local address")
                .hasMessageEndingWith("set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets");
        assertThatThrownBy(() -> strict.resolve("2002:a9fe:a9fe::1")).isInstanceOf(RefusedTargetException.class);
        assertThatThrownBy(() -> strict.resolve("255.255.255.255")).hasMessageContaining("the broadcast address");
    }

    @Test
    void refusesAmbiguousNumericHostsEvenWhenPrivateTargetsAreAllowed() {
        assertThatThrownBy(() -> allowing.resolve("0177.0.0.1"))
                .isInstanceOf(RefusedTargetException.class)
                .hasMessageStartingWith("target refused: the URL has host '0177.0.0.1', a numeric address");
        assertThatThrownBy(() -> allowing.resolve("2130706433")).isInstanceOf(RefusedTargetException.class);
    }

    @Test
    void resolvesLoopbackWhenPrivateTargetsAreAllowed() throws Exception {
        assertThat(allowing.resolve("127.0.0.1")).extracting(java.net.InetAddress::getHostAddress)
                .containsExactly("127.0.0.1");
    }
}
