package io.hookrelay.subscription;

import java.security.SecureRandom;
import java.util.Base64;

/** New subscription secrets, {@code player_ref} hash keys and ids. */
public final class Secrets {

    public static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** {@code whsec_} + base64 of 32 random bytes, as Standard Webhooks libraries expect. */
    public static String newSecret() {
        return PREFIX + newKey();
    }

    /** Base64 of 32 random bytes: a subscription's {@code player_ref_key}. */
    public static String newPlayerRefKey() {
        return newKey();
    }

    private static String newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** {@code sub_} + 22 URL-safe random characters (128 bits). */
    public static String newSubscriptionId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return "sub_" + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }
}
