package io.hookrelay.launcher;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The test's own Standard Webhooks verification, written from the spec rather than reusing the product's signer. */
final class Signatures {

    private Signatures() {
    }

    static boolean valid(String whsecSecret, String id, String timestamp, byte[] body, String signatureHeader) throws Exception {
        byte[] key = Base64.getDecoder().decode(whsecSecret.substring("whsec_".length()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        for (String s : signatureHeader.split(" ")) {
            if (s.equals(expected)) {
                return true;
            }
        }
        return false;
    }
}
