package io.hookrelay.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The {@code webhook-id} of a delivery: {@code msg_} + a digest of (operator_id, event_id,
 * subscription id), so every attempt and every redelivery of one event to one subscription carries
 * the same id and receivers can deduplicate on it (contract §4).
 */
public final class WebhookIds {

    private WebhookIds() {
    }

    public static String of(String operatorId, String eventId, String subscriptionId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // Length-prefix each part so ("a", "bc") and ("ab", "c") never collide.
            for (String part : new String[] {operatorId, eventId, subscriptionId}) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                sha.update((byte) (b.length >>> 8));
                sha.update((byte) b.length);
                sha.update(b);
            }
            byte[] digest = Arrays.copyOf(sha.digest(), 18);
            return "msg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }
}
