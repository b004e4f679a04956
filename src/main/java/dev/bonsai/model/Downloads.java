package dev.bonsai.model;

import dev.bonsai.platform.Download;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.io.IOException;

/**
 * Streams a variant's ONNX graph or bundle to whoever asked, the API or the dashboard, as a
 * {@link Download} (ETag, 304, a single byte range as 206).
 */
@ApplicationScoped
public class Downloads {

    @Inject
    ModelService models;

    @Inject
    Bundles bundles;

    /** @param format "onnx" (or null) for the graph, "bundle" for the zip */
    public Response serve(String tenantId, String id, String variantId, String format, String range, String ifNoneMatch)
            throws IOException {
        ModelService.Artifact artifact;
        String mediaType;
        if ("bundle".equals(format)) {
            models.variant(tenantId, id, variantId);
            artifact = bundles.bundle(id, variantId);
            mediaType = "application/zip";
        } else {
            artifact = models.artifact(tenantId, id, variantId, format);
            mediaType = "application/octet-stream";
        }
        return Download.of(artifact.sha256(), artifact.bytes(), mediaType, artifact.fileName(), range, ifNoneMatch,
                (offset, length) -> models.open(artifact, offset, length));
    }
}
