package dev.bonsai.blob;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** An uploaded body copied to a scratch file as it arrives, hashed on the way, up to a size limit. */
public final class Spool {

    private Spool() {
    }

    /**
     * Copies {@code body} to {@code target} and returns its sha256 (the key it is stored under).
     *
     * @param tooLarge the detail of the 413 answered once more than {@code limit} bytes arrived
     */
    public static String copy(InputStream body, Path target, long limit, String tooLarge) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long total = 0;
        try (InputStream in = new DigestInputStream(body, digest); OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                total += read;
                if (total > limit) {
                    throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE, tooLarge);
                }
                out.write(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
