package dev.bonsai.platform;

/**
 * The one catalogue of problem types Bonsai answers with. The {@code code} is stable and meant for
 * programs; the title is for people. Each type is documented in the README.
 */
public enum ProblemType {
    INVALID_REQUEST(400, "invalid_request", "The request is not valid"),
    MALFORMED_JSON(400, "malformed_json", "The request body is not valid JSON"),
    UNAUTHENTICATED(401, "unauthenticated", "Missing or invalid API key"),
    FORBIDDEN(403, "forbidden", "This key may not do that"),
    NOT_FOUND(404, "not_found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "Method not allowed"),
    NOT_ACCEPTABLE(406, "not_acceptable", "No acceptable representation"),
    REQUEST_TIMEOUT(408, "request_timeout", "The request body did not arrive in time"),
    CONFLICT(409, "conflict", "The resource is in a state that does not allow this"),
    GONE(410, "gone", "The resource has been deleted"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "The request body is too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "Unsupported media type"),
    URI_TOO_LONG(414, "uri_too_long", "The request URI is too long"),
    RANGE_NOT_SATISFIABLE(416, "range_not_satisfiable", "The requested range is outside the content"),
    VALIDATION_FAILED(422, "validation_failed", "The request has invalid fields"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency_key_reused", "The Idempotency-Key was used with another request"),
    DATASET_REJECTED(422, "dataset_rejected", "The dataset did not pass validation"),
    RATE_LIMITED(429, "rate_limited", "Too many requests"),
    HEADERS_TOO_LARGE(431, "headers_too_large", "The request headers are too large"),
    INTERNAL(500, "internal_error", "Internal error"),
    UNAVAILABLE(503, "unavailable", "The service is temporarily unavailable");

    private final int status;
    private final String code;
    private final String title;

    ProblemType(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    /** A relative URI reference naming the type (RFC 9457 section 3.1.1). */
    public String uri() {
        return "/problems/" + code.replace('_', '-');
    }

    /** The type for a status that has no more specific one. */
    public static ProblemType forStatus(int status) {
        for (ProblemType type : values()) {
            if (type.status == status && type != DATASET_REJECTED && type != MALFORMED_JSON && type != IDEMPOTENCY_KEY_REUSED) {
                return type;
            }
        }
        return status >= 500 ? INTERNAL : INVALID_REQUEST;
    }
}
