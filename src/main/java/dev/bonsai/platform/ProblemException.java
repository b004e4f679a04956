package dev.bonsai.platform;

import java.util.List;
import java.util.Map;

/** A failure that becomes a problem+json answer; thrown by services, mapped in one place. */
public class ProblemException extends RuntimeException {

    private final ProblemType type;
    private final List<Problem.FieldError> errors;
    private final Map<String, Object> extensions;
    private final Map<String, String> headers;

    public ProblemException(ProblemType type, String detail) {
        this(type, detail, List.of(), Map.of(), Map.of());
    }

    public ProblemException(ProblemType type, String detail, List<Problem.FieldError> errors,
            Map<String, Object> extensions, Map<String, String> headers) {
        super(detail, null, false, false);
        this.type = type;
        this.errors = List.copyOf(errors);
        this.extensions = Map.copyOf(extensions);
        this.headers = Map.copyOf(headers);
    }

    public static ProblemException notFound(String what, String id) {
        return new ProblemException(ProblemType.NOT_FOUND, "No " + what + " with id '" + id + "'.");
    }

    public static ProblemException invalidField(String pointer, String detail) {
        return new ProblemException(ProblemType.VALIDATION_FAILED, detail,
                List.of(new Problem.FieldError(pointer, detail)), Map.of(), Map.of());
    }

    public ProblemType type() {
        return type;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Problem toProblem() {
        return new Problem(type.uri(), type.title(), type.status(), getMessage(), type.code(), errors, extensions);
    }
}
