package dev.bonsai.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place where exceptions become RFC 9457 answers. No class name or stack trace leaves it. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    private static final int BEFORE_BUILT_IN = jakarta.ws.rs.Priorities.USER - 100;

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response problem(ProblemException e) {
        return response(e);
    }

    /** The answer for a problem: its status, problem+json body and headers. */
    public static Response response(ProblemException e) {
        Response.ResponseBuilder builder = Response.status(e.type().status())
                .type(Problem.MEDIA_TYPE)
                .entity(e.toProblem());
        e.headers().forEach(builder::header);
        return builder.build();
    }

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response webApplication(WebApplicationException e) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return json(json);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return internal(e);
        }
        return clientError(e);
    }

    /** The problem for a 4xx the REST layer raised itself (no route, method, media type). */
    public static Response clientError(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(ProblemType.forStatus(status), describe(status)));
        if (status == 405) {
            builder.allow(e.getResponse().getAllowedMethods());
        }
        return builder.build();
    }

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response constraintViolations(ConstraintViolationException e) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : e.getConstraintViolations()) {
            errors.add(new Problem.FieldError(pointer(violation.getPropertyPath()), violation.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::pointer));
        String detail = errors.size() == 1
                ? errors.get(0).pointer() + ": " + errors.get(0).detail()
                : errors.size() + " fields are invalid.";
        return respond(new ProblemException(ProblemType.VALIDATION_FAILED, detail, errors, Map.of(), Map.of()));
    }

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response mismatchedJson(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response json(JsonProcessingException e) {
        if (e instanceof StrictJson.NulCharacterException nul) {
            String pointer = nul.getPath().isEmpty() ? "/" : pointer(nul.getPath());
            String detail = pointer + " holds a NUL character, which is not allowed in text.";
            return respond(new ProblemException(ProblemType.VALIDATION_FAILED, detail,
                    List.of(new Problem.FieldError(pointer, detail)), Map.of(), Map.of()));
        }
        if (e instanceof com.fasterxml.jackson.core.JsonParseException parse && parse.getMessage() != null
                && parse.getMessage().startsWith("Duplicate field")) {
            return respond(new ProblemException(ProblemType.MALFORMED_JSON, "The body names a field more than once ("
                    + parse.getOriginalMessage().replace("Duplicate field ", "") + "); send each field once."));
        }
        if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String pointer = pointer(mismatch.getPath());
            String detail = "Wrong type for " + pointer + ": expected " + simpleTypeName(mismatch.getTargetType()) + ".";
            return respond(new ProblemException(ProblemType.VALIDATION_FAILED, detail,
                    List.of(new Problem.FieldError(pointer, detail)), Map.of(), Map.of()));
        }
        String detail = "The body is not valid JSON";
        if (e.getLocation() != null) {
            detail += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return respond(new ProblemException(ProblemType.MALFORMED_JSON, detail + "."));
    }

    /**
     * RESTEasy Reactive reads a multipart body before any resource method runs and throws an
     * IOException when it is malformed (its boundary never closes, or does not match the header's).
     */
    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response io(java.io.IOException e) {
        if (e.getMessage() != null && e.getMessage().contains("multipart")) {
            return respond(new ProblemException(ProblemType.INVALID_REQUEST, "The multipart body is malformed: each part"
                    + " must open with the boundary given in Content-Type, and the body must end with that boundary"
                    + " followed by '--'."));
        }
        return internal(e);
    }

    @ServerExceptionMapper(priority = BEFORE_BUILT_IN)
    public Response unexpected(Throwable e) {
        if (e instanceof ProblemException problem) {
            return problem(problem);
        }
        return internal(e);
    }

    private Response internal(Throwable e) {
        if (connectionClosed(e)) {
            // The client went away, or HttpEdge closed a connection whose body was late: nobody reads this answer,
            // and it is no fault of ours.
            LOG.debugf("The connection closed before the request was read: %s", e.getMessage());
            return respond(new ProblemException(ProblemType.INVALID_REQUEST,
                    "The connection closed before the request body had arrived."));
        }
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unhandled error, reference %s", reference);
        return respond(new ProblemException(ProblemType.INTERNAL,
                "Something went wrong on our side. Quote reference " + reference + " when reporting it."));
    }

    private static boolean connectionClosed(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.vertx.core.http.HttpClosedException) {
                return true;
            }
        }
        return false;
    }

    private Response respond(ProblemException e) {
        return problem(e);
    }

    private static String describe(int status) {
        return switch (status) {
            case 404 -> "There is nothing at this path.";
            case 405 -> "This path does not accept that method.";
            case 406 -> "This path cannot answer in any of the accepted media types.";
            case 415 -> "This path does not accept that Content-Type.";
            case 413 -> "The request body is over the size limit.";
            default -> "The request could not be processed.";
        };
    }

    private static String pointer(Path path) {
        StringBuilder pointer = new StringBuilder();
        for (Path.Node node : path) {
            // The first nodes are the resource method and its parameter; the body's fields follow.
            if (node.getKind() == ElementKind.METHOD) {
                continue;
            }
            if (node.getKind() == ElementKind.PARAMETER && pointer.length() == 0) {
                pointer.append('/').append(node.getName());
                continue;
            }
            if (node.getIndex() != null) {
                pointer.append('/').append(node.getIndex());
            }
            if (node.getName() != null && node.getKind() == ElementKind.PROPERTY) {
                pointer.append('/').append(node.getName());
            }
        }
        String result = pointer.toString();
        // A body parameter's own name is not part of the JSON document.
        int slash = result.indexOf('/', 1);
        if (slash > 0 && isBodyParameter(result.substring(1, slash))) {
            result = result.substring(slash);
        }
        return result.isEmpty() ? "/" : result;
    }

    private static boolean isBodyParameter(String name) {
        return name.equals("request") || name.equals("body");
    }

    private static String pointer(List<JsonMappingException.Reference> path) {
        StringBuilder pointer = new StringBuilder();
        for (JsonMappingException.Reference reference : path) {
            pointer.append('/');
            if (reference.getFieldName() != null) {
                pointer.append(reference.getFieldName());
            } else {
                pointer.append(reference.getIndex());
            }
        }
        return pointer.toString();
    }

    private static String simpleTypeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (CharSequence.class.isAssignableFrom(type) || type.isEnum()) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
