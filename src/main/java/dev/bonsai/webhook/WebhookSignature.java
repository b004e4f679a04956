package dev.bonsai.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures as the Standard Webhooks specification defines them: HMAC-SHA256, keyed with the
 * base64-decoded part of the {@code whsec_} secret, over {@code <webhook-id>.<webhook-timestamp>.<body>},
 * sent as {@code v1,<base64>} in {@code webhook-signature}.
 */
final class WebhookSignature {

    private WebhookSignature() {
    }

    static String sign(String secret, String messageId, long timestampSeconds, String body) {
        String encoded = secret.startsWith(WebhookSecrets.PREFIX) ? secret.substring(WebhookSecrets.PREFIX.length()) : secret;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(encoded), "HmacSHA256"));
            byte[] signature = mac.doFinal((messageId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JRE", e);
        }
    }
}
