package dev.bonsai.blob;

import dev.bonsai.platform.BonsaiConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Makes the one {@link BlobStore} of this process from {@code bonsai.blobs.*}, and closes it at shutdown. */
@ApplicationScoped
public class BlobStores {

    private static final Logger LOG = Logger.getLogger(BlobStores.class);

    @Produces
    @ApplicationScoped
    BlobStore blobStore(BonsaiConfig config) {
        BonsaiConfig.Blobs blobs = config.blobs();
        BlobStore store = switch (blobs.store()) {
            case FILESYSTEM -> new FileSystemBlobStore(blobs.dir());
            case S3 -> s3(blobs.s3(), blobs);
        };
        LOG.infof("Artifacts are stored as %s.", store);
        return store;
    }

    void close(@Disposes BlobStore store) {
        store.close();
    }

    /** Clears what a crashed process left in the scratch folder as the server starts, not at the first upload. */
    void onStart(@Observes StartupEvent event, BlobStore store) throws IOException {
        store.scratchDirectory();
    }

    private static S3BlobStore s3(BonsaiConfig.Blobs.S3 s3, BonsaiConfig.Blobs blobs) {
        String bucket = s3.bucket().orElseThrow(() -> new IllegalStateException(
                "BONSAI_BLOB_STORE=s3 needs BONSAI_S3_BUCKET, the bucket artifacts are kept in."));
        if (s3.partSize().asLongValue() < S3BlobStore.MIN_PART_SIZE) {
            throw new IllegalStateException("BONSAI_S3_PART_SIZE must be at least 5M, as S3 requires of every part but the last.");
        }
        return new S3BlobStore(client(s3), bucket, s3.prefix().orElse(""), s3.partSize().asLongValue(), blobs.dir());
    }

    /** A client for one bucket's server; public so that tools and tests make it the way the server does. */
    public static S3Client client(BonsaiConfig.Blobs.S3 s3) {
        return client(s3.endpoint().orElse(null), s3.region(), s3.accessKeyId().orElse(null),
                s3.secretAccessKey().orElse(null), s3.pathStyle());
    }

    /**
     * Checksums only where S3 requires them: the flexible CRC checksums the SDK adds by default
     * are refused by many S3-compatible servers (S3Proxy 2.6 among them). A transfer is still
     * checked in transit: by TLS on https endpoints, by the signed payload hash on plain http ones.
     */
    public static S3Client client(URI endpoint, String region, String accessKeyId, String secretAccessKey,
            boolean pathStyle) {
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalStateException("Set both BONSAI_S3_ACCESS_KEY_ID and BONSAI_S3_SECRET_ACCESS_KEY, or neither.");
        }
        AwsCredentialsProvider credentials = accessKeyId != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .forcePathStyle(pathStyle)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(64)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }
}
