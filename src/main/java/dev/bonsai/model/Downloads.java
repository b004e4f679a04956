package dev.bonsai.model;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;

/**
 * Streams a variant's ONNX graph or bundle to whoever asked, the API or the dashboard: ETag is the
 * content's sha256 (answered with 304 when it matches), a single byte range gets 206.
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
        String etag = "\"" + artifact.sha256() + "\"";
        if (etag.equals(ifNoneMatch)) {
            return Response.notModified().header(HttpHeaders.ETAG, etag).build();
        }
        long length = artifact.bytes();
        long[] span = range == null ? null : ByteRange.parse(range, length);
        long from = span == null ? 0 : span[0];
        long count = span == null ? length : span[1] - span[0] + 1;
        StreamingOutput body = output -> {
            // Only the range is read from the store: a ranged GET on S3, a positioned read on files.
            try (InputStream in = models.open(artifact, from, count)) {
                in.transferTo(output);
            }
        };
        Response.ResponseBuilder response = Response.status(span == null ? 200 : 206).entity(body).type(mediaType)
                .header(HttpHeaders.CONTENT_LENGTH, count)
                .header(HttpHeaders.ETAG, etag)
                .header("Accept-Ranges", "bytes")
                .header("Content-Disposition", "attachment; filename=\"" + artifact.fileName() + "\"");
        if (span != null) {
            response.header("Content-Range", "bytes " + span[0] + "-" + span[1] + "/" + length);
        }
        return response.build();
    }
}
