package dev.bonsai.webhook;

import dev.bonsai.platform.BonsaiConfig;
import jakarta.annotation.PostConstruct;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Endpoints' signing secrets. A secret is made as Standard Webhooks says ({@code whsec_} and the
 * base64 of 32 random bytes), shown to the tenant once, and kept sealed with AES-256-GCM under the
 * operator's key, bound to its endpoint's id: a copy of the database alone does not give them
 * away. The sealed form names the key it was sealed with, so a replica given another key says so
 * instead of signing with garbage.
 */
@ApplicationScoped
public class WebhookSecrets {

    private static final Logger LOG = Logger.getLogger(WebhookSecrets.class);
    static final String PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int MIN_KEY_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    BonsaiConfig config;

    private SecretKeySpec key;
    private String keyId;

    /** A sealed secret this replica cannot open: it was sealed with another operator key. */
    static final class WrongKey extends RuntimeException {
        WrongKey(String message) {
            super(message, null, false, false);
        }
    }

    /** The key is read (or made) as the server starts, so that a bad one stops the start rather than a delivery. */
    void onStart(@Observes StartupEvent event) {
        Objects.requireNonNull(key);
    }

    @PostConstruct
    void loadKey() {
        String material = config.webhooks().secretKey().filter(value -> !value.isBlank()).map(String::strip)
                .orElseGet(() -> fromFile(config.webhooks().keyFile().orElseGet(() -> Path.of(config.database().embeddedDir())
                        .toAbsolutePath().getParent().resolve("webhook-secret.key"))));
        if (material.length() < MIN_KEY_LENGTH) {
            throw new IllegalStateException("BONSAI_WEBHOOKS_SECRET_KEY must be at least " + MIN_KEY_LENGTH + " characters");
        }
        byte[] bytes = sha256(material.getBytes(StandardCharsets.UTF_8));
        key = new SecretKeySpec(bytes, "AES");
        keyId = HexFormat.of().formatHex(sha256(bytes)).substring(0, 12);
    }

    /** The key kept in {@code file}, made there (readable by this user only) when there is none yet. */
    private static String fromFile(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).strip();
            }
            Path folder = file.toAbsolutePath().getParent();
            Files.createDirectories(folder);
            byte[] random = new byte[SECRET_BYTES];
            RANDOM.nextBytes(random);
            String made = Base64.getEncoder().encodeToString(random);
            Path temporary = Files.createTempFile(folder, ".webhook-key", ".tmp");
            try {
                try {
                    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // The folder's own permissions are all there is.
                }
                Files.writeString(temporary, made + "\n", StandardCharsets.US_ASCII);
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException madeMeanwhile) {
                return Files.readString(file, StandardCharsets.US_ASCII).strip();
            } finally {
                Files.deleteIfExists(temporary);
            }
            LOG.infof("Generated the key that seals webhook signing secrets in %s; every replica needs the same key"
                    + " (set BONSAI_WEBHOOKS_SECRET_KEY when running more than one).", file);
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or make the webhook key file " + file, e);
        }
    }

    /** A new signing secret, as the tenant sees it once. */
    static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getEncoder().encodeToString(bytes);
    }

    /** {@code secret} sealed for the endpoint {@code endpointId}: {@code v1.<key id>.<base64 of IV and ciphertext>}. */
    String seal(String endpointId, String secret) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, iv, endpointId, secret.getBytes(StandardCharsets.UTF_8));
        byte[] out = new byte[IV_BYTES + sealed.length];
        System.arraycopy(iv, 0, out, 0, IV_BYTES);
        System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
        return "v1." + keyId + "." + Base64.getEncoder().encodeToString(out);
    }

    /** The secret {@link #seal} sealed for {@code endpointId}. */
    String open(String endpointId, String sealed) {
        String[] parts = sealed.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("v1")) {
            throw new IllegalStateException("not a sealed webhook secret");
        }
        if (!parts[1].equals(keyId)) {
            throw new WrongKey("the endpoint's secret was sealed with another BONSAI_WEBHOOKS_SECRET_KEY (key "
                    + parts[1] + ", this replica has " + keyId + ")");
        }
        byte[] in = Base64.getDecoder().decode(parts[2]);
        byte[] iv = java.util.Arrays.copyOfRange(in, 0, IV_BYTES);
        byte[] ciphertext = java.util.Arrays.copyOfRange(in, IV_BYTES, in.length);
        return new String(crypt(Cipher.DECRYPT_MODE, iv, endpointId, ciphertext), StandardCharsets.UTF_8);
    }

    private byte[] crypt(int mode, byte[] iv, String endpointId, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(endpointId.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not " + (mode == Cipher.ENCRYPT_MODE ? "seal" : "open")
                    + " a webhook secret", e);
        }
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
