package io.hookrelay.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    // The test vector of contract §4, from the Standard Webhooks libraries.
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TIMESTAMP = 1614265330L;
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final String OTHER_SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII));

    @Test
    void signsTheContractTestVector() {
        assertThat(WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY)).isEqualTo(EXPECTED);
        assertThat(WebhookSigner.signatureHeader(List.of(SECRET), ID, TIMESTAMP, BODY)).isEqualTo(EXPECTED);
    }

    @Test
    void signsOncePerActiveSecretDuringRotation() {
        String header = WebhookSigner.signatureHeader(List.of(SECRET, OTHER_SECRET), ID, TIMESTAMP, BODY);

        assertThat(header.split(" ")).hasSize(2).startsWith(EXPECTED);
        assertThat(WebhookSigner.verify(SECRET, ID, TIMESTAMP, BODY, header)).isTrue();
        assertThat(WebhookSigner.verify(OTHER_SECRET, ID, TIMESTAMP, BODY, header)).isTrue();
    }

    @Test
    void verifyRejectsATamperedBodyIdTimestampOrSecret() {
        byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

        assertThat(WebhookSigner.verify(SECRET, ID, TIMESTAMP, BODY, EXPECTED)).isTrue();
        assertThat(WebhookSigner.verify(SECRET, ID, TIMESTAMP, tampered, EXPECTED)).isFalse();
        assertThat(WebhookSigner.verify(SECRET, "msg_other", TIMESTAMP, BODY, EXPECTED)).isFalse();
        assertThat(WebhookSigner.verify(SECRET, ID, TIMESTAMP + 1, BODY, EXPECTED)).isFalse();
        assertThat(WebhookSigner.verify(OTHER_SECRET, ID, TIMESTAMP, BODY, EXPECTED)).isFalse();
    }

    @Test
    void webhookIdIsStableForOneEventAndSubscription() {
        String id = WebhookIds.of("demo", "e1", "sub_1");

        assertThat(id).startsWith("msg_").isEqualTo(WebhookIds.of("demo", "e1", "sub_1"));
    }

    @Test
    void webhookIdDiffersWhenAnyPartDiffers() {
        String id = WebhookIds.of("demo", "e1", "sub_1");

        assertThat(List.of(WebhookIds.of("other", "e1", "sub_1"), WebhookIds.of("demo", "e2", "sub_1"),
                WebhookIds.of("demo", "e1", "sub_2"))).doesNotContain(id).doesNotHaveDuplicates();
        // Moving characters between parts must not give the same id.
        assertThat(WebhookIds.of("ab", "c", "s")).isNotEqualTo(WebhookIds.of("a", "bc", "s"));
    }
}
