package dev.bonsai.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers that never reach the REST layer still speak problem+json: a path no route serves, a body
 * whose declared length is over the HTTP size limit (refused before it is read), a URI or headers
 * over Bonsai's limits, and a NUL character in the path or query. The HTTP codec's own limits are
 * set well above these (see application.properties), because what the codec refuses itself (a
 * request line over 64 KiB, headers over 64 KiB, a malformed percent-escape) it answers with an
 * empty body, and Quarkus 3.37 offers no hook to change that (quarkusio/quarkus#55082).
 */
@ApplicationScoped
public class HttpEdge {

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    /** The longest request URI answered; the codec's own limit is higher (quarkus.http.limits.max-initial-line-length). */
    static final int MAX_URI_LENGTH = 8 * 1024;
    /** The most header bytes answered; the codec's own limit is higher (quarkus.http.limits.max-header-size). */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    void install(@Observes Router router) {
        long limit = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE + 1).handler(context -> {
            HttpServerRequest request = context.request();
            if (request.uri().length() > MAX_URI_LENGTH) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(context, ProblemType.URI_TOO_LONG, "The request URI is over " + MAX_URI_LENGTH + " characters.");
                return;
            }
            if (headerBytes(request.headers()) > MAX_HEADER_BYTES) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(context, ProblemType.HEADERS_TOO_LARGE, "The request headers are over " + MAX_HEADER_BYTES + " bytes.");
                return;
            }
            String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && isOver(length, limit)) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(context, ProblemType.PAYLOAD_TOO_LARGE, "The request body is over the limit of " + limit + " bytes.");
                return;
            }
            // No id or name holds a NUL character, and PostgreSQL could not compare with one.
            if (holdsNul(request.path())) {
                send(context, ProblemType.NOT_FOUND, "There is nothing at this path.");
                return;
            }
            if (holdsNul(request.query())) {
                send(context, ProblemType.INVALID_REQUEST, "The query holds a NUL character (%00), which no parameter takes.");
                return;
            }
            context.next();
        });
        router.route().order(Integer.MAX_VALUE).handler(context -> send(context, ProblemType.NOT_FOUND,
                "There is nothing at this path."));
    }

    private static boolean holdsNul(String raw) {
        return raw != null && (raw.indexOf('\0') >= 0 || raw.contains("%00"));
    }

    private static long headerBytes(MultiMap headers) {
        long bytes = 0;
        for (Map.Entry<String, String> header : headers) {
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    private static boolean isOver(String contentLength, long limit) {
        try {
            return Long.parseLong(contentLength.strip()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void send(RoutingContext context, ProblemType type, String detail) {
        if (context.response().ended() || context.response().headWritten()) {
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(Problem.of(type, detail));
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + type.status() + "}";
        }
        context.response().setStatusCode(type.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(body);
    }
}
