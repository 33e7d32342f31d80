package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every address form a subscription URL can name, with the verdict under the strict policy
 * (WEBHOOKS_ALLOW_PRIVATE_TARGETS=false) and the words the refusal uses. Literal addresses only,
 * so no test depends on DNS.
 */
class AddressRuleTest {

    private final TargetPolicy strict = new TargetPolicy(false);
    private final TargetPolicy allowing = new TargetPolicy(true);

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1:8080/hook                | a loopback address (127.0.0.0/8)
            http://10.1.2.3/                          | a private address (10.0.0.0/8)
            http://172.16.0.1/                        | a private address (172.16.0.0/12)
            http://192.168.0.10/                      | a private address (192.168.0.0/16)
            http://169.254.169.254/latest/meta-data   | a link-local address (169.254.0.0/16)
            http://0.0.0.0/                           | a 'this network' address (0.0.0.0/8)
            http://0.1.2.3/                           | (0.0.0.0/8)
            http://100.64.0.1/                        | a carrier-grade NAT address (100.64.0.0/10)
            http://100.127.255.254/                   | (100.64.0.0/10)
            http://192.0.0.8/                         | an IETF protocol assignment address (192.0.0.0/24)
            http://192.0.2.1/                         | a documentation address (192.0.2.0/24)
            http://198.51.100.7/                      | a documentation address (198.51.100.0/24)
            http://203.0.113.7/                       | a documentation address (203.0.113.0/24)
            http://198.18.0.1/                        | a benchmarking address (198.18.0.0/15)
            http://198.19.255.1/                      | (198.18.0.0/15)
            http://192.88.99.1/                       | a 6to4 relay anycast address
            http://224.0.0.1/                         | a multicast address (224.0.0.0/4)
            http://239.255.255.250/                   | a multicast address (224.0.0.0/4)
            http://240.0.0.1/                         | a reserved address (240.0.0.0/4)
            http://255.255.255.255/                   | the broadcast address (255.255.255.255/32)
            http://[::]/                              | the unspecified address
            http://[::1]/                             | the loopback address
            http://[::127.0.0.1]/                     | an IPv4-compatible address embedding 127.0.0.1, a loopback address
            http://[::a9fe:a9fe]/                     | an IPv4-compatible address embedding 169.254.169.254
            http://[::ffff:10.0.0.1]/                 | 10.0.0.1, a private address (10.0.0.0/8)
            http://[::ffff:7f00:1]/                   | 127.0.0.1, a loopback address
            http://[64:ff9b::a00:1]/                  | a NAT64 address embedding 10.0.0.1, a private address
            http://[64:ff9b::a9fe:a9fe]/latest/meta-data | a NAT64 address embedding 169.254.169.254, a link-local address
            http://[64:ff9b::7f00:1]/                 | a NAT64 address embedding 127.0.0.1
            http://[64:ff9b:1::808:808]/              | a local-use NAT64 address (64:ff9b:1:0:0:0:0:0/48)
            http://[2002:a9fe:a9fe::1]/               | a 6to4 address embedding 169.254.169.254, a link-local address
            http://[2002:7f00:1::]/                   | a 6to4 address embedding 127.0.0.1
            http://[2002:c0a8:1::1]/                  | a 6to4 address embedding 192.168.0.1
            http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/ | a Teredo address
            http://[2001:2::1]/                       | an IETF special-purpose address (2001:0:0:0:0:0:0:0/23)
            http://[2001:db8::1]/                     | a documentation address (2001:db8:0:0:0:0:0:0/32)
            http://[3fff::1]/                         | a documentation address (3fff:0:0:0:0:0:0:0/20)
            http://[100::1]/                          | a discard-only address
            http://[fc00::1]/                         | a unique local address (fc00:0:0:0:0:0:0:0/7)
            http://[fd12:3456::1]/                    | a unique local address
            http://[fe80::1]/                         | a link-local address (fe80:0:0:0:0:0:0:0/10)
            http://[febf::1]/                         | a link-local address
            http://[fec0::1]/                         | a site-local address (fec0:0:0:0:0:0:0:0/10)
            http://[ff02::1]/                         | a multicast address (ff00:0:0:0:0:0:0:0/8)
            http://[ff0e::1]/                         | a multicast address
            http://[5f00::1]/                         | a reserved IPv6 address (outside global unicast 2000::/3)
            http://[4000::1]/                         | a reserved IPv6 address
            """)
    void refusesEveryAddressThatIsNotPublicUnlessPrivateTargetsAreAllowed(String url, String why) {
        assertThat(strict.problem(url)).get().asString()
                .startsWith("resolves to ")
                .contains(why)
                .endsWith("; set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets");
        assertThat(allowing.problem(url)).isEmpty();
    }

    @ParameterizedTest(name = "{0} is allowed")
    @CsvSource(textBlock = """
            https://8.8.8.8/hook
            https://93.184.215.14/hook
            http://1.1.1.1:8443/x
            http://172.32.0.1/
            http://100.128.0.1/
            http://198.20.0.1/
            http://223.255.255.255/
            https://[2606:4700::1]/hook
            https://[2a00:1450:4001:82a::200e]/
            http://[64:ff9b::808:808]/
            http://[2002:808:808::1]/
            http://[::ffff:8.8.8.8]/
            """)
    void allowsPublicAddressesAndEmbeddingsOfThem(String url) {
        assertThat(strict.problem(url)).isEmpty();
    }

    @ParameterizedTest(name = "{0} is refused whatever the setting")
    @CsvSource(textBlock = """
            http://0177.0.0.1/, 0177.0.0.1
            http://0177.0.0.01/, 0177.0.0.01
            http://010.0.0.1/, 010.0.0.1
            http://127.000.000.001/, 127.000.000.001
            http://0x7f.0.0.1/, 0x7f.0.0.1
            http://0x7f000001/, 0x7f000001
            http://0X7F000001:8080/, 0X7F000001
            http://2130706433/, 2130706433
            http://127.1/, 127.1
            http://10.1/, 10.1
            http://127.0.1/, 127.0.1
            http://127.0.0.1./, 127.0.0.1.
            http://8.8.8.08/, 8.8.8.08
            http://256.0.0.1/, 256.0.0.1
            http://example.123/, example.123
            """)
    void refusesNumericHostsThatResolversReadDifferentlyEvenWhenPrivateTargetsAreAllowed(String url, String host) {
        for (TargetPolicy p : new TargetPolicy[] {strict, allowing}) {
            assertThat(p.problem(url)).get().asString()
                    .startsWith("has host '" + host + "', a numeric address in a form that resolvers read differently")
                    .contains("such as 93.184.215.14");
        }
    }

    @ParameterizedTest(name = "{0} is an ordinary host")
    @CsvSource(textBlock = """
            https://hooks.example.com/x
            https://1password.example/x
            https://a1.b2.example/x
            https://0x.example/x
            https://[2606:4700::1]/x
            """)
    void readsHostNamesWithDigitsAsNames(String url) {
        String host = java.net.URI.create(url).getHost();
        assertThat(TargetPolicy.hostProblem(host)).isEmpty();
    }
}
