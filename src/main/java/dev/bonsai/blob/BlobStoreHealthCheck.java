package dev.bonsai.blob;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while artifacts can be written. */
@Readiness
@ApplicationScoped
public class BlobStoreHealthCheck implements HealthCheck {

    @Inject
    BlobStore blobs;

    @Override
    public HealthCheckResponse call() {
        try {
            blobs.checkWritable();
            return HealthCheckResponse.up("blob-storage");
        } catch (Exception e) {
            return HealthCheckResponse.named("blob-storage").down().withData("reason", "not writable").build();
        }
    }
}
