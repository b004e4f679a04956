package dev.bonsai.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** An {@link S3Server} for the tests of a profile that keeps artifacts in S3, and the settings that point the server at it. */
public class S3Resource implements QuarkusTestResourceLifecycleManager {

    private S3Server server;

    @Override
    public Map<String, String> start() {
        try {
            server = S3Server.start(Files.createTempDirectory("bonsai-test-s3"));
            Path scratch = Files.createTempDirectory("bonsai-test-s3-scratch");
            return Map.of(
                    "bonsai.blobs.store", "s3",
                    "bonsai.blobs.dir", scratch.toString(),
                    "bonsai.blobs.s3.endpoint", server.endpoint().toString(),
                    "bonsai.blobs.s3.bucket", S3Server.BUCKET,
                    "bonsai.blobs.s3.access-key-id", S3Server.ACCESS_KEY_ID,
                    "bonsai.blobs.s3.secret-access-key", S3Server.SECRET_ACCESS_KEY,
                    "bonsai.blobs.s3.path-style", "true",
                    "bonsai.blobs.s3.part-size", "5M");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
