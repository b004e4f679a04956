package dev.bonsai.platform;

import java.security.SecureRandom;

/** Opaque, prefixed identifiers such as {@code ds_4Hq2v...}: the prefix names the kind of resource. */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int ID_LENGTH = 20;

    private Ids() {
    }

    public static String next(String prefix) {
        return prefix + "_" + randomBase62(ID_LENGTH);
    }

    /** {@code length} characters from a cryptographically strong source (about 5.95 bits each). */
    public static String randomBase62(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(chars);
    }
}
