package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TargetPolicyTest {

    private final TargetPolicy strict = new TargetPolicy(false);

    @Test
    void refusesPrivateLoopbackAndLinkLocalTargets() {
        assertThat(strict.problem("http://127.0.0.1:8080/hook")).get().asString()
                .contains("resolves to 127.0.0.1", "WEBHOOKS_ALLOW_PRIVATE_TARGETS=true");
        assertThat(strict.problem("http://10.1.2.3/hook")).isPresent();
        assertThat(strict.problem("http://192.168.0.10/hook")).isPresent();
        assertThat(strict.problem("http://169.254.169.254/latest/meta-data")).isPresent();
        assertThat(strict.problem("http://[::1]/hook")).isPresent();
        assertThat(strict.problem("http://[fd00::1]/hook")).isPresent();
        assertThat(strict.problem("http://100.64.0.1/hook")).isPresent();
    }

    @Test
    void acceptsPublicAddressesAndPrivateOnesWhenAllowed() {
        assertThat(strict.problem("https://93.184.215.14/hook")).isEmpty();
        assertThat(new TargetPolicy(true).problem("http://127.0.0.1:8080/hook")).isEmpty();
    }

    @Test
    void refusesOtherSchemesAndCredentials() {
        assertThat(strict.problem("ftp://example.com/x")).get().asString().contains("must be an http or https URL");
        assertThat(strict.problem("https://user:pw@93.184.215.14/")).get().asString().contains("credentials");
        assertThat(strict.problem("not a url")).isPresent();
    }
}
