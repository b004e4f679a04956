package dev.bonsai.tenant;

import dev.bonsai.platform.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Making and hashing API key secrets. A secret is shown once and only its SHA-256 is kept. */
final class Secrets {

    static final String TENANT_KEY_PREFIX = "bns_";
    static final String ADMIN_KEY_PREFIX = "bns_admin_";
    /** 40 base62 characters: about 238 bits of entropy. */
    private static final int SECRET_LENGTH = 40;
    /** How many characters of a key are kept in clear to tell keys apart. */
    private static final int VISIBLE_CHARACTERS = 8;

    private Secrets() {
    }

    static String newTenantKey() {
        return TENANT_KEY_PREFIX + Ids.randomBase62(SECRET_LENGTH);
    }

    static String newAdminKey() {
        return ADMIN_KEY_PREFIX + Ids.randomBase62(SECRET_LENGTH);
    }

    static String visiblePrefix(String secret) {
        int end = Math.min(secret.length(), secret.startsWith(ADMIN_KEY_PREFIX)
                ? ADMIN_KEY_PREFIX.length() + VISIBLE_CHARACTERS
                : TENANT_KEY_PREFIX.length() + VISIBLE_CHARACTERS);
        return secret.substring(0, Math.min(end, Math.max(4, secret.length() / 4)));
    }

    static String sha256(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
