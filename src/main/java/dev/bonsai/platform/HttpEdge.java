package dev.bonsai.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers that never reach the REST layer still speak problem+json: a path no route serves, a body
 * whose declared length is over the HTTP size limit (refused before it is read), a URI or headers
 * over Bonsai's limits, a URI that does not parse (a malformed escape such as {@code %zz}), a /v1
 * call with no bearer key, and a NUL character in the path or query. The HTTP codec's own limits
 * are set well above these (see application.properties), because what the codec refuses itself (a
 * request line over 64 KiB, headers over 64 KiB) it answers with an empty body, and Quarkus 3.37
 * offers no hook to change that (quarkusio/quarkus#55082).
 */
@ApplicationScoped
public class HttpEdge {

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    @Inject
    BonsaiConfig config;

    /** The longest request URI answered; the codec's own limit is higher (quarkus.http.limits.max-initial-line-length). */
    static final int MAX_URI_LENGTH = 8 * 1024;
    /** The most header bytes answered; the codec's own limit is higher (quarkus.http.limits.max-header-size). */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    /** Set to true (see BonsaiMain) so that malformed URIs reach this class instead of an empty 400. */
    static final String URI_VALIDATION_PROPERTY = "vertx.disableURIValidation";

    void install(@Observes Router router) {
        long limit = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE + 2).handler(context -> {
            HttpServerRequest request = context.request();
            if (!parses(request.uri())) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(context, ProblemType.INVALID_REQUEST, "The request URI is not valid: every % must begin an escape"
                        + " of two hex digits, and spaces, quotes, braces and the like must be escaped.");
                return;
            }
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
            if (hasBody(request) && request.getHeader(HttpHeaders.CONTENT_TYPE) == null) {
                send(context, ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "The request has a body but no Content-Type: say what it is (application/json, text/csv, ...).");
                return;
            }
            // Bodies are read as UTF-8. A declared charset that cannot be UTF-8 on the wire (UTF-16, UTF-32, an
            // unknown name) is refused; an ASCII-compatible one (some clients add ISO-8859-1 by default) is read as
            // UTF-8, and a byte that is not UTF-8 is then refused where the body is parsed.
            String charset = charset(request.getHeader(HttpHeaders.CONTENT_TYPE));
            if (charset != null && !asciiCompatible(charset)) {
                send(context, ProblemType.UNSUPPORTED_MEDIA_TYPE, "Bodies are read as UTF-8; charset=" + charset
                        + " is not supported. Send the body in UTF-8, with charset=utf-8 or no charset.");
                return;
            }
            // Who is calling comes before what they sent: a /v1 call with no bearer key is a 401 whatever its body
            // (the key itself is checked after routing, where the database can be used).
            if (request.path().startsWith("/v1/") && request.method() != HttpMethod.OPTIONS
                    && !bearer(request.getHeader(HttpHeaders.AUTHORIZATION))) {
                problem(context, ProblemType.UNAUTHENTICATED, "Send your API key as 'Authorization: Bearer <key>'.",
                        Map.of("WWW-Authenticate", "Bearer realm=\"bonsai\""));
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
        // A request that was already answered here (a late body's 408) fails further in when its connection closes;
        // there is nothing left to answer, and nothing went wrong on our side.
        router.route().order(Integer.MIN_VALUE).failureHandler(context -> {
            if (context.response().ended() || context.response().closed()) {
                org.jboss.logging.Logger.getLogger(HttpEdge.class).debugf("%s %s failed after its answer: %s",
                        context.request().method(), context.request().path(), context.failure());
                return;
            }
            context.next();
        });
        router.route().order(Integer.MAX_VALUE).handler(context -> send(context, ProblemType.NOT_FOUND,
                "There is nothing at this path."));
        // The router itself fails a request with no path or no Host header with 400 before any route runs.
        router.errorHandler(400, context -> send(context, ProblemType.INVALID_REQUEST,
                "The request has no path or no Host header."));
    }

    /** The check Quarkus makes (and skips here, see BonsaiMain): the URI must parse as a java.net.URI. */
    static boolean parses(String uri) {
        if (uri == null) {
            return false;
        }
        try {
            new java.net.URI(uri);
            return true;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static boolean bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length());
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.strip().equals("0");
        }
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    /** The charset parameter of a Content-Type, unquoted, or null. */
    static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.strip().split("=", 2);
            if (pair.length == 2 && pair[0].strip().equalsIgnoreCase("charset")) {
                return pair[1].strip().replace("\"", "");
            }
        }
        return null;
    }

    /** Whether a charset writes ASCII as ASCII, one byte each, as UTF-8 does. */
    static boolean asciiCompatible(String name) {
        try {
            byte[] encoded = "Az09{}".getBytes(java.nio.charset.Charset.forName(name));
            return java.util.Arrays.equals(encoded, "Az09{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false;
        }
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

    /**
     * A body must arrive within its grace plus its length at the minimum rate (a body of unknown
     * length is given the time of the largest one accepted), as Kestrel's minimum request body data
     * rate bounds it: a client that claims a mebibyte and sends ten bytes holds its connection for
     * 74 s by default, not until some read timeout, and gets a 408 problem. The clock starts when a
     * thread is ready to read the body ({@link BodyDeadlineFilter}), not when the request arrived:
     * until then the request is paused, and time it waits for one of our threads is not the
     * client's. The connection is closed after the answer, since the rest of the body may still
     * come. A request whose body has all arrived is not affected, however long its answer takes.
     */
    void bodyDeadline(RoutingContext context) {
        HttpServerRequest request = context.request();
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared = length == null ? -1 : parse(length);
        if (!hasBody(request) || arrived(request, declared)) {
            return;
        }
        long limit = maxBodySize.asLongValue();
        long bytes = declared < 0 ? limit : Math.min(declared, limit);
        Duration grace = config.http().bodyGrace();
        long rate = Math.max(1, config.http().minBodyRate().asLongValue());
        long millis = grace.toMillis() + bytes * 1000 / rate;
        long timer = context.vertx().setTimer(millis, fired -> {
            if (arrived(request, declared) || context.response().ended() || context.response().headWritten()) {
                return;
            }
            context.response().putHeader(HttpHeaders.CONNECTION, "close")
                    .endHandler(sent -> request.connection().close());
            problem(context, ProblemType.REQUEST_TIMEOUT, "The request body did not arrive within " + millis + " ms ("
                    + grace.toSeconds() + " s, then at least " + rate + " bytes a second). Send it again, faster or"
                    + " smaller.", Map.of());
        });
        context.addEndHandler(ended -> context.vertx().cancelTimer(timer));
    }

    /** Whether all of a body is here: its declared length has been read (its end may not be marked yet). */
    private static boolean arrived(HttpServerRequest request, long declared) {
        return request.isEnded() || declared >= 0 && request.bytesRead() >= declared;
    }

    private static long parse(String contentLength) {
        try {
            return Math.max(0, Long.parseLong(contentLength.strip()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isOver(String contentLength, long limit) {
        return parse(contentLength) > limit;
    }

    private void send(RoutingContext context, ProblemType type, String detail) {
        problem(context, type, detail, Map.of());
    }

    /** Answers {@code context} with a problem of {@code type}, before any resource has run. */
    public void problem(RoutingContext context, ProblemType type, String detail, Map<String, String> headers) {
        if (context.response().ended() || context.response().headWritten()) {
            return;
        }
        headers.forEach(context.response()::putHeader);
        String body;
        try {
            body = json.writeValueAsString(Problem.of(type, detail));
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + type.status() + "}";
        }
        context.response().setStatusCode(type.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(body);
    }
}
