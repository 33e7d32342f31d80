package io.hookrelay.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")),
 * the key being the base64 part of a {@code whsec_} secret (contract §4). Stateless and thread-safe.
 */
public final class WebhookSigner {

    private static final String SECRET_PREFIX = "whsec_";
    private static final String VERSION = "v1";

    private WebhookSigner() {
    }

    /** One signature, {@code v1,<base64>}. */
    public static String sign(String secret, String webhookId, long timestampSeconds, byte[] body) {
        return VERSION + "," + Base64.getEncoder().encodeToString(hmac(key(secret), webhookId, timestampSeconds, body));
    }

    /** The {@code webhook-signature} header: one signature per active secret, space-separated. */
    public static String signatureHeader(List<String> secrets, String webhookId, long timestampSeconds, byte[] body) {
        return secrets.stream().map(s -> sign(s, webhookId, timestampSeconds, body)).collect(Collectors.joining(" "));
    }

    /** Whether any signature in {@code header} was made with {@code secret}; compares in constant time. */
    public static boolean verify(String secret, String webhookId, long timestampSeconds, byte[] body, String header) {
        byte[] expected = sign(secret, webhookId, timestampSeconds, body).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String candidate : header.split(" ")) {
            ok |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
        }
        return ok;
    }

    private static byte[] key(String secret) {
        String b64 = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        return Base64.getDecoder().decode(b64);
    }

    private static byte[] hmac(byte[] key, String id, long ts, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }
}
