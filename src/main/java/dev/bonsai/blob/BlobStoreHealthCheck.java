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

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BlobStoreHealthCheck.class);

    @Inject
    BlobStore blobs;

    @Override
    public HealthCheckResponse call() {
        try {
            blobs.checkWritable();
            return HealthCheckResponse.up("blob-storage");
        } catch (Exception e) {
            // The reason goes to the log, where the operator looks; the probe's answer stays free of paths.
            LOG.warnf("Blob storage is not writable: %s", e.toString());
            return HealthCheckResponse.named("blob-storage").down().withData("reason", "not writable (see the log)").build();
        }
    }
}
