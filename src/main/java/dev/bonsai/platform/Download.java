package dev.bonsai.platform;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stored file sent as a download: ETag is the content's sha256 (answered with 304 when it
 * matches), a single byte range gets 206 with Content-Range, and only the bytes sent are read.
 */
public final class Download {

    /** Reads {@code length} bytes of the content from {@code offset}: a ranged GET on S3, a positioned read on files. */
    public interface Reader {
        InputStream open(long offset, long length) throws IOException;
    }

    private Download() {
    }

    public static Response of(String sha256, long length, String mediaType, String fileName, String range,
            String ifNoneMatch, Reader reader) {
        String etag = "\"" + sha256 + "\"";
        if (etag.equals(ifNoneMatch)) {
            return Response.notModified().header(HttpHeaders.ETAG, etag).build();
        }
        long[] span = range == null ? null : ByteRange.parse(range, length);
        long from = span == null ? 0 : span[0];
        long count = span == null ? length : span[1] - span[0] + 1;
        StreamingOutput body = output -> {
            try (InputStream in = reader.open(from, count)) {
                in.transferTo(output);
            }
        };
        Response.ResponseBuilder response = Response.status(span == null ? 200 : 206).entity(body).type(mediaType)
                .header(HttpHeaders.CONTENT_LENGTH, count)
                .header(HttpHeaders.ETAG, etag)
                .header("Accept-Ranges", "bytes")
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
        if (span != null) {
            response.header("Content-Range", "bytes " + span[0] + "-" + span[1] + "/" + length);
        }
        return response.build();
    }
}
