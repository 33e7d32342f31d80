package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The URL rules around the address rule ({@link AddressRuleTest} lists every address form). */
class TargetPolicyTest {

    private final TargetPolicy strict = new TargetPolicy(false);

    @Test
    void namesTheAddressTheRangeAndTheSettingWhenRefusing() {
        assertThat(strict.problem("http://127.0.0.1:8080/hook")).get().asString()
                .isEqualTo("resolves to 127.0.0.1, a loopback address (127.0.0.0/8);"
                        + " set WEBHOOKS_ALLOW_PRIVATE_TARGETS=true to allow such targets");
    }

    @Test
    void acceptsPublicAddressesAndPrivateOnesWhenAllowed() {
        assertThat(strict.problem("https://93.184.215.14/hook")).isEmpty();
        assertThat(new TargetPolicy(true).problem("http://127.0.0.1:8080/hook")).isEmpty();
        assertThat(new TargetPolicy(true).problem("http://localhost:8080/hook")).isEmpty();
    }

    @Test
    void refusesOtherSchemesAndCredentials() {
        assertThat(strict.problem("ftp://example.com/x")).get().asString().contains("must be an http or https URL");
        assertThat(strict.problem("https://user:pw@93.184.215.14/")).get().asString().contains("credentials");
        assertThat(strict.problem("not a url")).isPresent();
        assertThat(strict.problem("http:///path")).get().asString().isEqualTo("has no host");
    }

    @Test
    void checksEveryResolvedAddressOfAName() {
        assertThat(strict.problem("http://localhost/hook")).get().asString().startsWith("resolves to ")
                .contains("loopback");
    }
}
